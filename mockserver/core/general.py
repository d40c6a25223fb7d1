"""The rules every vendor shares (GEN-*). The core pipeline enforces them; this names them."""

from mockserver.core.rules import RuleRegistry

GENERAL = RuleRegistry(vendor=None)

GENERAL.mechanism("GEN-1", "Partial update: only fields present in the body change.")
GENERAL.mechanism("GEN-2", "Cross-field rules are checked on the merged state (stored + patch).")
GENERAL.mechanism(
    "GEN-3", "Uniqueness excludes the record being updated; keys compare trimmed, case-insensitively."
)
GENERAL.mechanism("GEN-4", "A rejected request changes nothing.")
GENERAL.mechanism(
    "GEN-5",
    "Every violation is reported in one response where the format allows it, up to 100; "
    "collecting stops there.",
)
GENERAL.mechanism("GEN-6", "Order of checks: 401, tenant headers, 404, 403, schema, business rules.")
GENERAL.mechanism(
    "GEN-7", "Undocumented fields are ignored and journalled as warnings; --strict rejects them."
)
GENERAL.mechanism("GEN-8", "A missing or malformed bearer token gets 401 in the vendor's format.")
GENERAL.mechanism("GEN-9", "Malformed, non-object, wrongly typed or oversized bodies get the vendor's 4xx.")
GENERAL.mechanism("GEN-10", "Every response conforms to the vendor's spec.")
GENERAL.mechanism("GEN-11", "Successful updates move updated_at/modified to the mock clock's now.")
GENERAL.mechanism(
    "GEN-12", "Every rule and operation names its source (vendor page, or decision / inferred and why)."
)
GENERAL.mechanism(
    "GEN-13",
    "Strict decoding: lone surrogates, numbers outside the double range, NaN/Infinity and "
    "unparseable path or query integers get the vendor's 400/404; nothing unsendable is stored.",
)
