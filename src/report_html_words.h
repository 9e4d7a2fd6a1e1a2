// The fixed text of the HTML report: its words in English and Spanish, and its style sheet.
// Kept apart from the page's structure in report_html.cc. Internal to the library.
#pragma once

#include "smtptriage/classifier.h"

namespace smtptriage::html {

// The fixed words of the page, in English and Spanish.
struct Words {
  const char* lang;
  const char* title;
  const char* period;
  const char* to;
  const char* times_in;
  const char* made_by;
  const char* verdict_line[3];  // local, remote, none
  const char* verdict_badge[3];
  const char* also_theirs;
  const char* check_first;
  const char* rule;
  const char* incidents;
  const char* no_incident;
  const char* since;
  const char* still_open;
  const char* from;
  const char* until;
  const char* trend;
  const char* trend_words[3];  // growing, steady, falling
  const char* domain_one;
  const char* domain_many;
  const char* failure_one;
  const char* failure_many;
  const char* session_one;
  const char* session_many;
  const char* eg;
  const char* affected;
  const char* active;
  const char* affected_of_active;
  const char* timeline;
  const char* timeline_outbound;
  const char* local_incident;
  const char* chart_data;
  const char* time;
  const char* no_sessions;
  const char* in_all;
  const char* most;
  const char* per_hour;  // "per hour" etc. are built by Per()
  const char* per_n_hours;
  const char* per_day;
  const char* per_n_days;
  const char* per_n_minutes;
  const char* domains_heading;
  const char* outbound;
  const char* outbound_count;  // "%s of %s domains had failures"
  const char* internal;
  const char* inbound;
  const char* auth;
  const char* no_outbound;
  const char* more_rows;  // "%s more domains with failures are not shown ..."
  const char* more_rows_one;
  const char* more_senders;  // the same for inbound, where a row is a domain or a client IP
  const char* more_senders_one;
  const char* inbound_count;  // "%s of %s senders (domains or client IPs) had failures."
  const char* outbound_count_one;  // the only domain, which had failures
  const char* inbound_count_one;
  const char* machine_zone;  // the zone when no --tz is given
  const char* columns[7];
  const char* first;
  const char* last;
  const char* badge_words[5];  // local, mixed, remote, refused, healthy
  const char* ours_tag;
  const char* more_reasons;
  const char* ip_only;
  const char* client_ip;
  const char* users;
  const char* attempts;
  const char* reasons_heading;
  const char* what_to_check;
  const char* side_phrase[3];  // remote, local, either
  const char* of_them_ours;
  const char* delivered_on_retry;  // "N ..." of a reason's failures
  const char* input;
  const char* files_read;
  const char* log_text;
  const char* lines;
  const char* malformed;
  const char* skipped;
  const char* notes;
  const char* sessions_label;
  const char* inbound_word;
  const char* internal_word;
  const char* inbound_one;   // their singulars ("1 entrante")
  const char* internal_one;
  const char* messages;
  const char* recipients;
  const char* failed_recipients;
  const char* connect_failures;
  const char* open_at_end;
  const char* file_list;
  const char* more_files;
  const char* file_columns[5];
  const char* kinds[4];  // send, receive, tracking, unknown
  const char* families[kFamilyCount];  // English only: Spanish from FamilyInSpanish
};

const Words& WordsFor(Lang lang);

// The page's CSS: screen, phone and print.
extern const char* const kStyle;

}  // namespace smtptriage::html
