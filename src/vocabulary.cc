#include "smtptriage/vocabulary.h"

#include <array>

namespace smtptriage {
namespace {

struct ReasonInfo {
  Reason reason;
  std::string_view name;
  Family family;
  Side side;
};

// One row per reason of docs/REASONS.md, in enum order.
constexpr std::array<ReasonInfo, kReasonCount> kReasons = {{
    {Reason::kUserUnknown, "user_unknown", Family::kRecipient, Side::kRemote},
    {Reason::kMailboxDisabled, "mailbox_disabled", Family::kRecipient, Side::kRemote},
    {Reason::kHasMoved, "has_moved", Family::kRecipient, Side::kRemote},
    {Reason::kMailboxFull, "mailbox_full", Family::kRecipient, Side::kRemote},
    {Reason::kFiltered, "filtered", Family::kRecipient, Side::kRemote},
    {Reason::kHostUnknown, "host_unknown", Family::kDestination, Side::kRemote},
    {Reason::kNotAccept, "not_accept", Family::kDestination, Side::kRemote},
    {Reason::kSystemError, "system_error", Family::kDestination, Side::kRemote},
    {Reason::kSystemFull, "system_full", Family::kDestination, Side::kRemote},
    {Reason::kSenderRejected, "sender_rejected", Family::kSender, Side::kEither},
    {Reason::kRelayDenied, "relay_denied", Family::kSender, Side::kEither},
    {Reason::kSecurityError, "security_error", Family::kSender, Side::kEither},
    {Reason::kBlocked, "blocked", Family::kReputation, Side::kLocal},
    {Reason::kBadReputation, "bad_reputation", Family::kReputation, Side::kLocal},
    {Reason::kRequirePtr, "require_ptr", Family::kAuthentication, Side::kLocal},
    {Reason::kAuthFailure, "auth_failure", Family::kAuthentication, Side::kLocal},
    {Reason::kSpamDetected, "spam_detected", Family::kContent, Side::kEither},
    {Reason::kVirusDetected, "virus_detected", Family::kContent, Side::kEither},
    {Reason::kPolicyViolation, "policy_violation", Family::kContent, Side::kEither},
    {Reason::kContentError, "content_error", Family::kContent, Side::kLocal},
    {Reason::kNotCompliantRfc, "not_compliant_rfc", Family::kContent, Side::kLocal},
    {Reason::kMessageTooBig, "message_too_big", Family::kContent, Side::kEither},
    {Reason::kExceedLimit, "exceed_limit", Family::kContent, Side::kEither},
    {Reason::kTooManyConnections, "too_many_connections", Family::kThrottling, Side::kEither},
    {Reason::kRateLimited, "rate_limited", Family::kThrottling, Side::kEither},
    {Reason::kGreylisted, "greylisted", Family::kThrottling, Side::kRemote},
    {Reason::kSyntaxError, "syntax_error", Family::kProtocol, Side::kLocal},
    {Reason::kTlsFailure, "tls_failure", Family::kConnection, Side::kEither},
    {Reason::kConnectTimeout, "connect_timeout", Family::kConnection, Side::kEither},
    {Reason::kConnectionRefused, "connection_refused", Family::kConnection, Side::kEither},
    {Reason::kConnectionLost, "connection_lost", Family::kConnection, Side::kEither},
    {Reason::kNetworkError, "network_error", Family::kConnection, Side::kEither},
    {Reason::kDnsFailure, "dns_failure", Family::kDns, Side::kEither},
    {Reason::kExpired, "expired", Family::kExpired, Side::kEither},
    {Reason::kUndetermined, "undetermined", Family::kOther, Side::kEither},
}};

constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "recipient", "destination", "sender",     "reputation", "authentication", "content",
    "throttling", "protocol",   "connection", "dns",        "expired",        "other",
};

constexpr std::array<std::string_view, kStageCount> kStageNames = {
    "connect", "banner", "ehlo", "starttls", "tls",  "auth",  "mail",
    "rcpt",    "data",   "rset", "quit",     "lost", "queue", "other",
};

constexpr std::array<std::string_view, 3> kSideNames = {"remote", "local", "either"};
constexpr std::array<std::string_view, 2> kRetryNames = {"permanent", "transient"};
constexpr std::array<std::string_view, 4> kLogKindNames = {"send", "receive", "tracking",
                                                           "unknown"};

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(Side s) { return kSideNames[static_cast<int>(s)]; }
std::string_view ToString(Family f) { return kFamilyNames[static_cast<int>(f)]; }
std::string_view FamilyInSpanish(Family f) {
  static constexpr std::array<std::string_view, kFamilyCount> kNames = {
      "destinatario", "destino",  "remitente", "reputación", "autenticación", "contenido",
      "limitación",   "protocolo", "conexión", "DNS",        "caducado",      "otros",
  };
  return kNames[static_cast<int>(f)];
}
std::string_view ToString(Reason r) { return kReasons[static_cast<int>(r)].name; }
std::string_view ToString(Retry r) { return kRetryNames[static_cast<int>(r)]; }
std::string_view ToString(Stage s) { return kStageNames[static_cast<int>(s)]; }
std::string_view ToString(LogKind k) { return kLogKindNames[static_cast<int>(k)]; }

std::optional<Side> ParseSide(std::string_view s) { return Lookup<Side>(kSideNames, s); }
std::optional<Family> ParseFamily(std::string_view s) { return Lookup<Family>(kFamilyNames, s); }
std::optional<Retry> ParseRetry(std::string_view s) { return Lookup<Retry>(kRetryNames, s); }
std::optional<Stage> ParseStage(std::string_view s) { return Lookup<Stage>(kStageNames, s); }
std::optional<LogKind> ParseLogKind(std::string_view s) {
  return Lookup<LogKind>(kLogKindNames, s);
}

std::optional<Reason> ParseReason(std::string_view s) {
  for (const ReasonInfo& info : kReasons) {
    if (info.name == s) return info.reason;
  }
  return std::nullopt;
}

Family FamilyOf(Reason r) { return kReasons[static_cast<int>(r)].family; }
Side DefaultSideOf(Reason r) { return kReasons[static_cast<int>(r)].side; }

}  // namespace smtptriage
