// The HTML report (`scan --format html`): one self-contained page for the mail team, in English
// or Spanish. Inline CSS and SVG charts (svg.h), no script and nothing fetched, so it works
// offline and as a mail attachment, on a phone and on paper. In order: the verdict with what to
// check first, the local incidents with affected vs active domains per hour, a timeline of
// outbound failures by family, the domains with problems (capped at kHtmlDomainRows per
// direction), what each reason means with its checks, and the input statistics. Times in the
// zone of --tz. Every text that comes from the logs is escaped.
#pragma once

#include <ostream>

#include "smtptriage/report.h"
#include "smtptriage/reporters.h"

namespace smtptriage {

// Domains with failures listed per direction; the page says how many more there are.
inline constexpr size_t kHtmlDomainRows = 100;

void RenderHtml(const Report& report, const RenderOptions& options, std::ostream& out);

}  // namespace smtptriage
