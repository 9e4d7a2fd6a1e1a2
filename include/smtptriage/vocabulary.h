// The shared vocabulary of smtptriage: reasons, families, sides, retry kinds, SMTP command
// stages and log kinds. The reason table mirrors docs/REASONS.md (reason -> family, default side).
// All functions are pure and thread-safe; returned string_views point to static storage.
#pragma once

#include <optional>
#include <string_view>

namespace smtptriage {

enum class Side { kRemote, kLocal, kEither };

enum class Family {
  kRecipient, kDestination, kSender, kReputation, kAuthentication, kContent, kThrottling,
  kProtocol, kConnection, kDns, kExpired, kOther,
};

enum class Reason {
  kUserUnknown, kMailboxDisabled, kHasMoved, kMailboxFull, kFiltered,
  kHostUnknown, kNotAccept, kSystemError, kSystemFull,
  kSenderRejected, kRelayDenied, kSecurityError,
  kBlocked, kBadReputation,
  kRequirePtr, kAuthFailure,
  kSpamDetected, kVirusDetected, kPolicyViolation, kContentError, kNotCompliantRfc,
  kMessageTooBig, kExceedLimit,
  kTooManyConnections, kRateLimited, kGreylisted,
  kSyntaxError,
  kTlsFailure, kConnectTimeout, kConnectionRefused, kConnectionLost, kNetworkError,
  kDnsFailure,
  kExpired,
  kUndetermined,
};
inline constexpr int kReasonCount = static_cast<int>(Reason::kUndetermined) + 1;
inline constexpr int kFamilyCount = static_cast<int>(Family::kOther) + 1;

enum class Retry { kPermanent, kTransient };

// The SMTP stage a reply answered. kConnect is the TCP connect itself; kLost is a connection that
// ended without a final reply; kQueue is a status that comes from a queue or tracking log.
enum class Stage {
  kConnect, kBanner, kEhlo, kStarttls, kTls, kAuth, kMail, kRcpt, kData, kRset, kQuit, kLost,
  kQueue, kOther,
};
inline constexpr int kStageCount = static_cast<int>(Stage::kOther) + 1;

enum class LogKind { kSend, kReceive, kTracking, kUnknown };

std::string_view ToString(Side s);
std::string_view ToString(Family f);
// A family's name in Spanish words, for reports in Spanish ("autenticación"); ToString gives
// the name of the JSON and of --format prometheus, the same in every language.
std::string_view FamilyInSpanish(Family f);
std::string_view ToString(Reason r);
std::string_view ToString(Retry r);
std::string_view ToString(Stage s);
std::string_view ToString(LogKind k);

std::optional<Side> ParseSide(std::string_view s);
std::optional<Family> ParseFamily(std::string_view s);
std::optional<Reason> ParseReason(std::string_view s);
std::optional<Retry> ParseRetry(std::string_view s);
std::optional<Stage> ParseStage(std::string_view s);
std::optional<LogKind> ParseLogKind(std::string_view s);

Family FamilyOf(Reason r);
Side DefaultSideOf(Reason r);

}  // namespace smtptriage
