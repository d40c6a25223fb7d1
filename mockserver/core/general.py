"""The rules every vendor shares (GEN-*). The core pipeline enforces them; this names them."""

from mockserver.core.rules import Provenance, RuleRegistry, decision, doc

UPDATE_PAGES = (  # the five seeds
    "https://docs.wethod.com/reference/update-project",
    "https://docs.ruddr.io/api-reference/projects/update-a-project",
    "https://developer.zep.de/en/rest-documentation/projects/update",
    "https://developer.personio.de/reference/patch_v2-projects-id",
    "https://developers.projectcor.com/api-reference/integrations/projects/update",
)
WETHOD, RUDDR, ZEP, PERSONIO, COR = UPDATE_PAGES
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "GEN-1": doc(
        *UPDATE_PAGES,
        note="ZEP and COR say only the fields sent change; the other PATCH bodies have no required field",
    ),
    "GEN-2": decision(
        'the vendors say "if both are provided" or nothing; the merged state keeps every stored record valid'
    ),
    "GEN-3": decision(
        "no vendor says a record's own name is excluded, nor how names compare; trimmed and "
        "case-insensitive is what their SQL collations do"
    ),
    "GEN-4": decision(
        "no vendor says a rejected request changes nothing; a half-applied write would be a bug"
    ),
    "GEN-5": decision(
        "the envelopes can carry several errors but no vendor says how many it lists; all of them, "
        "up to 100 so a request's cost stays bounded"
    ),
    "GEN-6": decision(
        "no vendor documents the order of its checks; this is the order of their frameworks "
        "(authentication, routing, policy, validation)"
    ),
    "GEN-7": decision(
        "no vendor says what an unknown field gets; ignoring it is their frameworks' default, and "
        "the journal shows it"
    ),
    "GEN-8": doc(
        "https://docs.ruddr.io/guides/authentication",
        "https://developer.zep.de/en/rest-documentation/authentication",
        PERSONIO,
        "https://developers.projectcor.com/api-reference/integrations-introduction",
        note="Wethod's bearer token is known from its SDK; the 401 bodies of Wethod, ZEP, Personio "
        "and COR are our decision",
    ),
    "GEN-9": decision(
        "no vendor documents these cases; the vendor's own 4xx envelope lets a client's error path be tested"
    ),
    "GEN-10": decision("a mock that broke its own spec would prove nothing about a client"),
    "GEN-11": doc(
        WETHOD,
        ZEP,
        COR,
        "https://developer.personio.de/reference/get_v2-projects-id",
        note="the pages show updated_at/modified; that an update moves it to now is implied, not "
        "stated; Ruddr shows none",
    ),
    "GEN-12": decision("a user must see which behaviours are documented and which are our reading"),
    "GEN-13": decision(
        "what the vendors' JSON and integer parsers do; only Personio's 400 wording is documented",
        PERSONIO,
    ),
}

GENERAL = RuleRegistry(vendor=None, prefix="GEN", provenance=PROVENANCE)

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
GENERAL.complete()
