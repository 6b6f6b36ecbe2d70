//! The registry of every diagnostic code cps emits: its name, severity, documentation and
//! sources. `docs/diagnostics.md` is generated from it. The codes of the Snowflake checks (keys,
//! catalog exports, the check pack; `cps_snowflake`) are here too: one registry, one model.

use super::Severity;
use serde::Serialize;

/// Documentation of one code: what it checks and why. `docs/diagnostics.md` is generated from
/// this table (a test fails when the file is stale).
pub struct CodeDoc {
    pub summary: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    /// The source tags of the spec's source index (`S5`, `S31`, …) the rule rests on, or what
    /// else it rests on (RFC 8259, cps's own limits); "vs" marks sources that disagree.
    pub sources: &'static str,
}

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $summary:literal, $why:literal, $example:literal, $sources:literal; )*) => {
        /// Every diagnostic code cps emits. The kebab-case names are stable: tools match on them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity this code normally has; a few checks lower it where the fact behind
            /// them is only an inference (each such case is said in the code's doc).
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            pub fn doc(self) -> CodeDoc {
                match self { $( Code::$variant => CodeDoc { summary: $summary, why: $why, example: $example, sources: $sources }, )* }
            }

            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $name => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

codes! {
    InputTooLarge = "input-too-large", Error,
        "The file is larger than cps reads (16 MiB).",
        "A parent-segment config is a few kilobytes; the cap bounds memory and time for hostile input.",
        "a 20 MB log file passed by mistake",
        "cps's own limit";
    NotUtf8 = "not-utf8", Error,
        "The file is not UTF-8 text.",
        "TD's API takes UTF-8 JSON; binary files and other encodings cannot be read reliably.",
        "a file saved as UTF-16 or Latin-1, or a binary file",
        "RFC 8259 (JSON is UTF-8); S6 (the JSON body)";
    EmptyFile = "empty-file", Error,
        "The file holds no config.",
        "An empty document cannot describe a parent segment.",
        "an empty file, or one with only comments",
        "S5";
    ClassicParentSegment = "classic-parent-segment", Error,
        "The file is a classic parent segment (`tdx ps` YAML), not a composable one.",
        "Classic parent segments read tables stored in TD (`master.database`, `join.parent_key`/`child_key`, `source`); cps checks composable ones, queried in the warehouse. The one error says so instead of dozens of missing keys; it needs two different classic keys, so a composable file with a stray one is checked as usual.",
        "`master: {database: cdp_db, table: customers}` with `join: {parent_key: …, child_key: …}`",
        "spec §9.5; S11";
    ClassicAudience = "classic-audience", Error,
        "The file is a classic CDP audience body (`POST /audiences`), not a composable parent segment.",
        "Classic audiences name TD tables (`master.parentDatabaseName`, `parentKey`/`foreignKey`, behavior `schema` lists); cps checks composable parent segments (`POST /composable_audiences`). One error says so instead of hundreds.",
        "`\"master\": {\"parentDatabaseName\": \"cdp\", \"parentTableName\": \"customers\"}`",
        "S13, S31";
    SegmentFile = "segment-file", Error,
        "A composable (child) segment where a parent segment is expected.",
        "`cps convert`, `cps push`, `--parent` and the embed's parent text take a parent segment; a segment file (`type: composable_segment`, S11) is checked as a segment (`cps validate`), and pushed with `tdx cas push` or `tdx sg push`: TD's published API has no path that writes segments (spec §9.1). The embed's JSON-only flavour (`cps-json.js`) has no segment reader and gives a segment this error too; the full module (`cps.js`) checks it.",
        "`cps convert high-value.yml --to api-json`",
        "S11, S31, S32";
    SegmentMissingType = "segment-missing-type", Error,
        "A segment file without `type: composable_segment` (a warning when the value differs only in case).",
        "tdx reads a file as a segment because of this literal; without it, a file with a `rule` is read as an audience (parent segment) and the push fails or, in a folder, counts as a second audience file. Whether tdx reads other spellings of the value is not documented, so a difference in case is a warning.",
        "a file with `name` and `rule` and no `type`",
        "S11";
    SegmentMixedKeys = "segment-mixed-keys", Error,
        "A file says `type: composable_segment` and also has parent-segment keys (`master`, `attributes`, `behaviors`).",
        "tdx reads it as a segment because of `type`, so the audience keys are ignored: either the file is a parent with a stray `type`, or a segment with pasted audience keys (spec rule G1).",
        "`type: composable_segment` above `master:` and `attributes:`",
        "S11";
    SegmentNoRule = "segment-no-rule", Error,
        "A segment has no `rule` (a warning when the rule is an empty mapping).",
        "Without a rule, TD's backend answers with a raw database error (tdx CAS skill, spec rule G2). TD's published schema (S31) allows an empty rule object, so `rule: {}` is a warning.",
        "a segment file with `name` and `activations` only",
        "S11; S31 (empty rule)";
    RightValueOutsideOperator = "right-value-outside-operator", Error,
        "`rightValue` or `rightValues` sits beside `operator` instead of inside it.",
        "In a composable segment the compared value belongs to the operator: `operator: {type: Greater, rightValue: \"1000\"}`. Written beside it, the operator has no value and the condition is refused or compares with nothing (spec rule G3, a common mistake).",
        "`rightValue: \"1000\"` at the level of `leftValue`",
        "S11, S31";
    InvalidConditionType = "invalid-condition-type", Error,
        "A condition or group `type` that TD's rule schema does not have.",
        "Groups are `And`, `Or` (or `Composite`); a condition on a field is `Value`; `Reference`, `FunnelStageReference`, `AbTestVariantReference`, `PredictiveScoreReference` and `MlAttributeReference` point at other segments and models (TD's published schema, S31; spec rule G4). Values are case-sensitive.",
        "`type: value`, or `type: AND`",
        "S31, S11";
    InvalidOperator = "invalid-operator", Error,
        "An operator `type` that TD's rule schema does not have.",
        "TD's published schema (S31) lists `Equal`, `Greater`, `GreaterEqual`, `Less`, `LessEqual`, `Between`, `In`, `Contain`, `StartWith`, `EndWith`, `Regexp`, `IsNull`, `TimeRange`, `TimeWithinPast`, `TimeWithinNext`, `TimeToday`, `TimeThis`, `TimeNext` and `TimeInBetweenNext` (spec rule G4); values are case-sensitive.",
        "`operator: {type: GreaterThan}`",
        "S31";
    InvalidTimeUnit = "invalid-time-unit", Error,
        "A time unit that TD's rule schema does not have.",
        "Time operators count in `year`, `quarter`, `month`, `week`, `day`, `hour`, `minute` or `second` (TD's published schema, S31; spec §9.4), in the singular.",
        "`unit: days`",
        "S31";
    InvalidArrayMatching = "invalid-array-matching", Error,
        "`arrayMatching` is not one of the forms TD's rule schema has.",
        "A condition on an array field matches `all` or `any` element, or `{atLeast: n}`, `{atMost: n}`, `{exactly: n}` elements, or is null (TD's published schema, S31; spec rule G4).",
        "`arrayMatching: some`",
        "S31";
    OperatorMissingValue = "operator-missing-value", Error,
        "An operator lacks the value it compares with (a warning when it is given under another key that tdx may not convert).",
        "TD's published schema (S31) gives each operator its values: `rightValue` for `Equal`, `Greater`, `GreaterEqual`, `Less`, `LessEqual`, `Regexp`; a list `rightValues` for `In`, `Contain`, `StartWith`, `EndWith`; `minValue` and `maxValue` for `Between`; `value` and `unit` for `TimeWithinPast` and `TimeWithinNext`; `from` for `TimeRange`, `TimeThis` and `TimeNext`; `from` and `to` for `TimeInBetweenNext`. Without them the condition cannot be evaluated. Standard `tdx sg` rules write `value` where composable segments write `rightValue` (S11).",
        "`operator: {type: Greater, value: 1000}`",
        "S31, S11";
    UnknownAttribute = "unknown-attribute", Error,
        "A segment names a field its parent segment does not have (`leftValue.name`, an activation's `columns`).",
        "Names are matched exactly, case included, against the parent's attribute names, behavior names and behavior column names (not the warehouse columns). tdx does not check this: the segment pushes, shows a blank rule in TD's console and matches zero rows (spec rule G5; G8 for activation columns). Checked when the segment's project holds its parent (a `tdx cas pull` folder, or `--parent`).",
        "`leftValue: {name: LTV}` when the parent's attribute is `ltv`",
        "S11";
    OperatorTypeMismatch = "operator-type-mismatch", Warning,
        "An operator does not fit the type of the field it compares (inferred).",
        "Inferred from the operator list of TD's published schema (S31; spec rule G6), not stated by TD: time operators work on `timestamp` and `date` fields, `Greater`, `Less` and `Between` on `number`, `timestamp` and `date`, `Contain`, `StartWith`, `EndWith` and `Regexp` on strings, `arrayMatching` on `*_array` fields. A warning because no source says TD refuses the others. Only fields whose `type` the parent declares are judged: a field without `type` gets its type from the warehouse, which cps cannot see.",
        "`TimeWithinPast` on an attribute with `type: number`",
        "S31 (inference)";
    RightValueType = "right-value-type", Warning,
        "A compared value does not read as the field's type (inferred).",
        "A `number` field compares with numbers, a `date` field with ISO dates (`2026-12-01`), a `timestamp` field with ISO date-times, a `boolean` field with true or false (spec rule G7, an inference: TD's schema types the values loosely). Only fields whose `type` the parent declares are judged.",
        "`rightValue: \"1,000\"` on a `number` attribute",
        "S31 (inference)";
    ActivationColumns = "activation-columns", Error,
        "An activation has both `all_columns` and `columns`, or neither.",
        "An activation exports either every column (`all_columns: true`) or the listed `columns`; tdx requires exactly one of the two (spec rule G8).",
        "an activation with `connection` and `schedule` but no columns",
        "S11";
    InvalidScheduleType = "invalid-schedule-type", Error,
        "An activation's `schedule.type` is not `none`, `daily`, `weekly` or `monthly` (a warning for `hourly`, `cron` and `minutes_interval`).",
        "The tdx CAS skill lists four schedule types for composable activations (spec rule G8). TD's activation skill for standard segments also lists `hourly` and `cron`, and TD's published `ScheduleType` (S31, activations of standard segments) `minutes_interval` too; whether composable activations take them is not documented, so those three are warnings.",
        "`schedule: {type: dayly}`",
        "S11, S31 vs td-skills `activation` (not in the spec's index)";
    MultipleAudiences = "multiple-audiences", Error,
        "A project (a `tdx cas pull` folder, or the files given together) holds more than one audience file.",
        "A push target holds exactly one audience (parent segment) file and every segment in it attaches to that audience (tdx CAS skill, spec rule G9); with two, tdx refuses the folder, and cps cannot tell which parent the segments are checked against.",
        "`cas/customer360.yml` and `cas/customer360-copy.yml` in one folder",
        "S11, S32";
    JourneySkipped = "journey-skipped", Info,
        "A journey file in a project is skipped.",
        "`tdx cas validate` and `tdx cas push` skip `*.journey.yml` files (S32); cps does the same in a folder and says so. Journeys are checked with `tdx journey validate`.",
        "`cas/winback.journey.yml`",
        "S32, S11";
    NoParent = "no-parent", Warning,
        "A segment was checked without its parent segment, so the names it uses were not checked.",
        "A segment's conditions name the parent's attributes and behaviors; a wrong name matches zero rows (rule G5). Without the audience file (a folder without one, or a segment given alone) only the file's own rules run. Validate the pulled folder, or give the parent with `--parent`.",
        "`cps validate cas/high-value.yml`",
        "S11";
    JourneyFile = "journey-file", Error,
        "The file is a journey, not a parent segment (in a project: `journey-skipped`).",
        "tdx names journeys `*.journey.yml` and skips them in `tdx cas validate` and `push` (S32); journey files say `type: journey` or hold `journeys:`. They are checked with `tdx journey validate`.",
        "`onboarding.journey.yml`, or `type: journey`",
        "S11, S32";
    JsonSyntax = "json-syntax", Error,
        "The file is not strict JSON.",
        "TD's server parses strict JSON (RFC 8259): trailing commas, comments and single quotes are refused.",
        "`{\"name\": \"x\",}`",
        "RFC 8259; S5, S6";
    YamlSyntax = "yaml-syntax", Error,
        "The file is not valid YAML.",
        "Nothing can be checked until the file parses.",
        "a tab used for indentation, an unclosed quote",
        "YAML 1.2; S4, S11";
    YamlUnsupported = "yaml-unsupported", Error,
        "The text is YAML, and this build of cps reads JSON only.",
        "The documentation embed comes in a small JSON-only flavour for pages that show the API body; YAML needs the full module.",
        "a tdx YAML config given to cps-json.js",
        "cps (the JSON-only embed)";
    ResourceLimit = "resource-limit", Error,
        "The file exceeds a safety limit (nesting depth, aliases, nodes).",
        "Limits keep cps fast and safe on hostile files such as alias bombs; real configs are far below them.",
        "`a: &a [*a, *a]` repeated, or 100 levels of nested lists",
        "cps's own limits";
    DuplicateKey = "duplicate-key", Error,
        "A key appears twice in one object.",
        "JSON and YAML readers disagree on which value wins, so the config means different things to different tools.",
        "`timeColumn` written twice in one behavior",
        "RFC 8259 §4; YAML 1.2";
    WrongType = "wrong-type", Error,
        "A value has the wrong kind (string, boolean, number, list, object); a warning for an optional key left empty (null).",
        "The API expects exact JSON types: `isComposable` is the boolean true, ids are strings. An optional key left empty (`description:` with nothing after it) plainly means the key is not given, and no source says TD or tdx refuse null there, so it is a warning and read as absent.",
        "`federatedQueryConfigId: 167` (a number) instead of `'167'`",
        "S5, S31";
    MissingKey = "missing-key", Error,
        "A required key is missing.",
        "TD's published schema (S31) requires `name`, `timezone` and the master's schema and table; on each attribute `name`, `schema`, `table`, `tableKey`, `masterKey`, `column`; on each behavior the same with `columnMapping`; on each column `name` and `cdwColumn`. At least one attribute is required (S11). Keys older sources require but S31 does not are `missing-disputed-key` warnings; keys cps adds itself are `added-on-upload` notes.",
        "an attribute without `column`",
        "S31, S5, S11";
    MissingDisputedKey = "missing-disputed-key", Warning,
        "A key older TD sources require is missing; TD's published schema makes it optional.",
        "TD's setup and tdx skills (S10, S11) call a behavior's `timeColumn` required, and TD's guide (S5) the master's `keyColumn`; TD's published schema (S31) lists neither as required. The default follows the published contract, so this is a warning; the help says why the key still matters.",
        "a behavior without `timeColumn`",
        "S5, S10, S11 vs S31";
    UnknownKey = "unknown-key", Warning,
        "A key that this format does not have; it is left out of the upload.",
        "Usually a typo or the other dialect's spelling (`keyColumn` in a tdx file); the misspelt key's required twin is then reported missing.",
        "`timeColum` instead of `timeColumn`",
        "S5, S31 (API keys), S4, S11 (tdx keys)";
    OtherDialectKey = "other-dialect-key", Warning,
        "A key spelled the way the other format spells it.",
        "cps reads it, but the tool the file is meant for (tdx, or the API) would not; mixing formats usually means a copy-paste.",
        "`keyColumn` in a tdx file, which spells it `key_column`",
        "S4, S11, S31";
    EmptyValue = "empty-value", Error,
        "A required text value is empty.",
        "Names, schemas, tables and columns cannot be blank.",
        "`name: \"\"`",
        "S5, S31";
    EmptyDescription = "empty-description", Warning,
        "The description is missing or empty.",
        "TD's guide (S5) lists `description` as required; its published schema (S31) makes it optional and nullable. cps sends an empty string when it is missing, and warns.",
        "a config without `description`",
        "S5 vs S31";
    ServerField = "server-field", Info,
        "A field the server assigns (`id`, `createdAt`, `updatedAt`, `createdBy`, `updatedBy`, `population`); cps leaves it out of the upload.",
        "Configs copied from a GET response carry them; the server assigns new ones on every create or update.",
        "`id: \"1\"` on an attribute",
        "S31, S10";
    AddedOnUpload = "added-on-upload", Info,
        "A key the upload needs that cps adds itself: `kind`, `isComposable`, or `master.name` (the table name).",
        "TD's guide (S5) lists them in the create body; its published schema (S31) makes `kind` and `isComposable` optional and has no master display name. Each has one sensible value, so a file without them is not refused: cps writes them into the body it sends and converts to.",
        "an API body without `kind`, or a GET response (it has no `master.name`)",
        "S5, S31";
    KindNotComposable = "kind-not-composable", Error,
        "`kind` is not `composable`.",
        "The CAS API only creates composable parent segments (TD guide).",
        "`kind: batch`",
        "S5, S31";
    NotComposable = "is-composable-not-true", Error,
        "`isComposable` is not the boolean true.",
        "The API requires the boolean `true`; the string \"true\" is a different JSON type.",
        "`\"isComposable\": \"true\"`",
        "S5, S31";
    InvalidTimezone = "invalid-timezone", Error,
        "`timezone` is not an IANA time zone name.",
        "The segment's dates are read in this zone; cps checks it against the IANA database it embeds (2025b), no network needed.",
        "`timezone: Tokyo` instead of `Asia/Tokyo`",
        "S4, S5 (IANA names: inference)";
    NoAttributes = "no-attributes", Error,
        "`attributes` is empty.",
        "The backend requires at least one attribute (tdx CAS skill).",
        "`attributes: []`",
        "S11";
    NoBehaviors = "no-behaviors", Warning,
        "`behaviors` is missing or empty.",
        "TD's guide (S5) lists `behaviors` as required, its published schema (S31) as optional, and no source says whether a parent segment may have none; cps sends `[]` and warns.",
        "`behaviors: []`",
        "S5 vs S31";
    DuplicateAttributeName = "duplicate-attribute-name", Error,
        "Two attributes have the same name.",
        "Segment rules reference attributes by exact name, so names must be unique.",
        "two attributes named `email`",
        "S11 (uniqueness: inference)";
    DuplicateBehaviorName = "duplicate-behavior-name", Error,
        "Two behaviors have the same name.",
        "Segment rules reference behaviors by exact name, so names must be unique.",
        "two behaviors named `page_views`",
        "S11 (uniqueness: inference)";
    DuplicateColumnName = "duplicate-column-name", Error,
        "Two columns of one behavior have the same name.",
        "Segment rules reference behavior columns by name, so names must be unique within a behavior.",
        "two `td_url` entries in one `columnMapping`",
        "S10, S31 (uniqueness: inference)";
    MissingConnection = "missing-connection", Error,
        "A table has no connection id.",
        "Every entry (master, attributes, behaviors) names its zero-copy config (Snowflake) or connection (Databricks, BigQuery).",
        "an attribute without `federatedQueryConfigId`",
        "S5, S7, S8, S31";
    ConnectionNotNumeric = "connection-not-numeric", Error,
        "A connection id is not a numeric id.",
        "Snowflake's `federatedQueryConfigId` is the numeric id of the zero-copy config, never a connector name (tdx CAS skill). For Databricks and BigQuery this is a warning: tdx resolves names, the API needs the id.",
        "`federatedQueryConfigId: my-snowflake`",
        "S5, S11, S31";
    WrongConnectionKey = "wrong-connection-key", Error,
        "The connection key does not fit the warehouse.",
        "Snowflake uses `federatedQueryConfigId`; Databricks and BigQuery use `connectionId` with `catalog` (TD guides).",
        "`connectionId` in a Snowflake config",
        "S5, S7, S8, S31";
    BothConnectionKeys = "both-connection-keys", Error,
        "An entry has both `federatedQueryConfigId` and `connectionId`.",
        "TD's published schema (S31) makes them mutually exclusive: exactly one names the zero-copy config (Snowflake) or the connection (Databricks, BigQuery). In a GET response this is the top level.",
        "`\"federatedQueryConfigId\": \"167\", \"connectionId\": \"341079\"`",
        "S31";
    MissingCatalog = "missing-catalog", Error,
        "The master table has no `catalog` (Databricks, BigQuery).",
        "Databricks needs the Unity Catalog name, BigQuery the GCP project (TD guides; tdx: `catalog is required`; S31: `masterCatalog` is required for Databricks). Attributes and behaviors without their own `catalog` read the master's: S31's entries have none, and cps writes the master's into the body.",
        "a BigQuery master without `catalog`",
        "S7, S8, S11, S31";
    UnexpectedCatalog = "unexpected-catalog", Warning,
        "`catalog` on a Snowflake config.",
        "Snowflake entries name the database through the zero-copy config; `catalog` is not part of them.",
        "`catalog: PROD` with `federatedQueryConfigId`",
        "S5, S31";
    ConnectionMismatch = "connection-mismatch", Warning,
        "Entries use different connections or catalogs.",
        "TD's setup skill (S10) says to use the same connection for every entry; TD's published schema (S31) gives each entry its own, and no source says TD refuses different ones. A mismatch is usually a copy-paste slip, so cps warns.",
        "master on `167`, one behavior on `168`",
        "S10 vs S31";
    MasterKeyMismatch = "master-key-mismatch", Warning,
        "`masterKey` is not the master's `keyColumn`.",
        "TD's guide (S5) has entries join the Customers table on its key column; another column usually means a copy-paste slip and can multiply rows. No source says TD refuses it (an inference), so cps warns.",
        "`masterKey: email` with `keyColumn: cdp_customer_id`",
        "S5, S10 (inference)";
    TableKeyMismatch = "table-key-mismatch", Warning,
        "An attribute from the master table joins on a column other than the key.",
        "When an attribute's table is the Customers table, `tableKey` is its key column (TD guide).",
        "`tableKey: email` on the master table",
        "S5";
    AttributeTableDiffers = "attribute-table-differs", Warning,
        "An attribute reads a table other than the master table.",
        "TD's guide puts every attribute on the Customers table; tdx describes attributes joined from other tables. Sources disagree, so cps warns.",
        "an attribute on `loyalty_accounts`",
        "S5 vs S4";
    InvalidType = "invalid-type", Error,
        "`type` is not one of the values the type profile setting allows.",
        "The server refuses other values with \"not included in the list\". TD's sources list different sets, so the type profile setting chooses the one cps checks against: by default TD's published `ColumnType` (S31): string, number, timestamp, date, string_array, number_array, boolean; the older sets can be chosen there.",
        "`type: varchar`",
        "S31 (default profile); S10, S11, S13 (other profiles)";
    TypeInferred = "type-inferred", Info,
        "An attribute or behavior column has no `type`; TD infers it from the warehouse column.",
        "TD's published schema (S31) makes `type` optional: \"if omitted, the type is auto-filled from the CDW column's native type\". The older profiles' sources (S10, S11) wrote a `type` on every entry, so under those profiles this is a warning.",
        "`{ name: total, cdwColumn: TOTAL }`",
        "S31 vs S10, S11";
    AllColumnsRefused = "all-columns-refused", Error,
        "`all_columns: true` on a behavior.",
        "TD refuses `all_columns: true` for new behaviors (tdx CAS skill), and the API body (`columnMapping`) cannot express it, so cps cannot upload it. A behavior pulled from TD that already has it is kept by tdx; cps still asks for the columns, because it cannot tell a new behavior from an old one.",
        "`all_columns: true`",
        "S11";
    NoColumns = "no-columns", Error,
        "A behavior lists no columns.",
        "Behaviors need explicit columns (`columnMapping`, tdx `columns`).",
        "`columnMapping: []`",
        "S11, S31";
    InvalidIdentifier = "invalid-identifier", Error,
        "A name is not a valid Snowflake identifier.",
        "Unquoted identifiers start with a letter or `_` and hold letters, digits, `_` and `$`; anything else must be double-quoted; 255 characters at most.",
        "`table: order-items`",
        "S22";
    IdentifierCase = "identifier-case", Warning,
        "A name's case may not match what Snowflake resolves.",
        "Snowflake folds unquoted names to upper case; the current CAS backend matches case-sensitively, the legacy api-cas host expected lower case; see the identifier case setting.",
        "`table: customers` when the table is `CUSTOMERS`",
        "S10 vs S11; S22";
    ServerRefused = "server-refused", Error,
        "Treasure Data refused the upload, and its message names this part of the config.",
        "Only TD knows some rules (column existence and types, names already taken); cps points at what TD's message names so the fix starts in the right place. Shown after an upload, never by a local check.",
        "TD answers `Column not found: emial` and cps marks `column: emial`",
        "S6, S13, S31";
    // Keys: Snowflake key-pair authentication (`cps key check`, the page's key step).
    KeyUnreadable = "key-unreadable", Error,
        "The key text cannot be decoded (base64 or DER), or holds no key.",
        "A key that does not decode cannot be used by TD or Snowflake; the usual causes are a truncated copy, a character changed in transit, or a file that is not a key.",
        "a PEM body missing its last lines, or a `*` in the base64",
        "S3, S25";
    KeyNotRsa = "key-not-rsa", Error,
        "The key is not an RSA key.",
        "Snowflake key-pair authentication takes RSA keys only; TD's setup makes them with `openssl genrsa 2048`.",
        "an Ed25519 or EC P-256 private key",
        "S3, S25";
    KeyTooSmall = "key-too-small", Error,
        "The RSA key is shorter than 2048 bits.",
        "Snowflake requires RSA keys of 2048 bits or more.",
        "a key made with `openssl genrsa 1024`",
        "S25";
    KeyPkcs1 = "key-pkcs1", Warning,
        "The key is in PKCS#1 form (`BEGIN RSA PRIVATE KEY`, `BEGIN RSA PUBLIC KEY`).",
        "TD requires the private key in PKCS#8 (`BEGIN PRIVATE KEY`) and warns that other formats make the connection fail; Snowflake takes the public key as SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`). cps shows the converted key, byte for byte what `openssl pkcs8 -topk8 -nocrypt` writes.",
        "a key made by `openssl genrsa -traditional` or an old OpenSSL",
        "S3, S25";
    KeyEncrypted = "key-encrypted", Warning,
        "The private key is encrypted with a passphrase, and cps did not open it (no passphrase given, or a scheme cps does not run). Info once opened.",
        "Without the passphrase cps cannot read the key, so its size and fingerprint are not checked. TD's Snowflake authentication takes an encrypted key with its passphrase (S33); TD's zero-copy docs only show unencrypted keys (`-nocrypt`). Given the passphrase, cps opens PBES2 keys (PBKDF2 or scrypt, AES-CBC or 3DES-CBC) and checks them like any key; then this is an info saying so.",
        "`BEGIN ENCRYPTED PRIVATE KEY`, from `openssl pkcs8 -topk8 -v2 des3`",
        "S3, S25, S33";
    KeyPassphrase = "key-passphrase", Error,
        "The passphrase does not open the encrypted private key.",
        "Decryption failed (or gave bytes that are no key): the passphrase is wrong, or the key was changed in transit. TD would fail to read the key the same way.",
        "`cps key check --passphrase-env KEY_PASS rsa_key.p8` with a mistyped passphrase",
        "S33; RFC 8018 (PBES2)";
    KeyOpenssh = "key-openssh", Error,
        "The key is in an SSH format (OpenSSH, SSH2, PuTTY), not PEM.",
        "Snowflake and TD take PEM keys: PKCS#8 for the private key, SubjectPublicKeyInfo for the public key. `ssh-keygen -p -m PKCS8` (private) and `ssh-keygen -e -m PKCS8` (public) convert them.",
        "`BEGIN OPENSSH PRIVATE KEY`, or an `ssh-rsa AAAA...` line",
        "S25, S26";
    KeyOneLine = "key-one-line", Warning,
        "The key's lines are joined: one long line, or line breaks turned into spaces or `\\n`.",
        "TD asks for the key with real line breaks, not one long line; PEM readers expect the BEGIN line, 64-character lines and the END line. cps rewraps the key.",
        "a key pasted through a single-line form field",
        "S10, S3";
    KeyMissingArmor = "key-missing-armor", Warning,
        "The BEGIN or END line is missing, damaged, or does not match the key.",
        "TD takes the whole PEM file, BEGIN and END lines included. cps reads the kind from the key's content and writes the right lines. (A bare public key body is fine: it is what `ALTER USER ... SET RSA_PUBLIC_KEY` takes.)",
        "a private key copied without its last line `-----END PRIVATE KEY-----`",
        "S3, S25";
    KeyCrlf = "key-crlf", Warning,
        "The key has Windows line endings (CR LF).",
        "Some PEM readers keep the CR as part of the line. cps writes LF line endings.",
        "a key saved by Notepad",
        "S3 (PEM)";
    KeyWhitespace = "key-whitespace", Warning,
        "The key has stray whitespace: blank lines, or spaces and tabs in or around its lines.",
        "PEM has no blank lines or spaces in the body, and strict readers refuse them. cps removes them.",
        "a key indented in a YAML file or pasted from an email",
        "S3 (PEM)";
    KeyJunk = "key-junk", Warning,
        "Text before or after the key is not part of it.",
        "Quotes, a variable name or a second block copied along would be pasted with the key. cps reads the key alone.",
        "`'-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----'` with its quotes",
        "S3 (PEM)";
    KeyPairMismatch = "key-pair-mismatch", Error,
        "The private and public keys are not a pair.",
        "Snowflake checks the token TD signs with the private key against the public key set on the user; keys from different pairs fail with `JWT token is invalid`.",
        "a new `rsa_key.p8` with the `rsa_key.pub` of an older pair",
        "S25, S28";
    // Catalog: checks against a catalog export (`cps validate --catalog`) and the check pack's
    // results (`cps snowflake check-results`); never reported by a check of the file alone.
    CatalogNotCovered = "catalog-not-covered", Warning,
        "The catalog export has no rows for a schema the config names, so its tables and columns are not checked. An error for the master's schema.",
        "The export of `cps snowflake catalog-query` holds every schema the config names, matched in any case; a schema missing from it does not exist in that database, is misspelt, or the export is from another config. Without the master's schema nothing can be checked, so that one is an error.",
        "`schema: SALES` with an export of `PUBLIC` only",
        "S10 (V22)";
    CatalogNameCase = "catalog-name-case", Error,
        "A schema, table or column exists, but under a name that differs in case or quoting, so the name as written does not find it.",
        "Snowflake resolves unquoted names in upper case and quoted names exactly: `customers` finds `CUSTOMERS`, `\"customers\"` does not, and a table created as `\"Customers\"` is found only by `\"Customers\"`. The current backend matches exactly; see the identifier case setting.",
        "`table: Customers` when the table was created as `\"Customers\"`",
        "S22, S11";
    CatalogUnknownTable = "catalog-unknown-table", Error,
        "The table is not in the catalog export's schema.",
        "TD reads the table through the zero-copy connection; a table that does not exist fails the segment (spec V22).",
        "`table: ORDRES` when the schema has `ORDERS`",
        "S10 (V22)";
    CatalogUnknownColumn = "catalog-unknown-column", Error,
        "The column is not in the table, per the catalog export.",
        "TD answers `Column not found` for a column the table does not have (spec V22).",
        "`column: EMAL` when the table has `EMAIL`",
        "S10, S11 (V22)";
    CatalogTypeMismatch = "catalog-type-mismatch", Error,
        "`type` does not match the column's data type in the catalog export.",
        "TD answers 400 when `type` does not match the warehouse column (tdx CAS skill; spec V13): string reads TEXT/VARCHAR, number reads NUMBER/INT/FLOAT, timestamp reads TIMESTAMP_*/DATE, arrays read ARRAY. A warning when cps does not know the data type.",
        "`type: string` on a NUMBER column",
        "S11 (V13), S31";
    CatalogTimeType = "catalog-time-type", Error,
        "A behavior's time column is not a timestamp.",
        "Behaviors are filtered by time: Snowflake and Databricks need TIMESTAMP or DATE, BigQuery TIMESTAMP or INT64 Unix seconds (spec V17).",
        "`timeColumn: ORDER_ID` (a NUMBER), or a VARCHAR date",
        "S2, S9 (V17)";
    CatalogTimeZone = "catalog-time-no-zone", Warning,
        "A behavior's time column holds no time zone (TIMESTAMP_NTZ, DATE).",
        "TD reads zone-less times in the segment's `timezone`; if they were written in UTC, every time window shifts by the zone's offset.",
        "a TIMESTAMP_NTZ column in UTC with `timezone: Asia/Tokyo`",
        "S2 (inference)";
    PackEmptyTable = "pack-empty-table", Warning,
        "The check pack found a table with no rows.",
        "An empty behavior table gives no events; an empty master table gives no customers (then an error).",
        "the zero-copy config points at a development database",
        "S2";
    PackDuplicateKeys = "pack-duplicate-keys", Error,
        "The master table has rows that share a key.",
        "The Customers table needs one row per customer (spec V20): duplicate keys double-count customers and their events.",
        "1,000 rows but 990 distinct `CDP_CUSTOMER_ID` values",
        "S2 (V20)";
    PackNullKeys = "pack-null-keys", Error,
        "The master table has rows without a key.",
        "A customer without a key cannot be joined to attributes or behaviors.",
        "`CDP_CUSTOMER_ID` is NULL on 12 rows",
        "S2";
    PackOrphanRows = "pack-orphan-rows", Warning,
        "Behavior rows whose key has no customer in the master table.",
        "Such events are invisible to segments (spec V21). When no row matches at all, the two columns hold different identifiers or formats, and this is an error.",
        "the behavior table keys on email, the master on a numeric id",
        "S2, S10 (V21)";
    PackNullTimes = "pack-null-times", Warning,
        "Behavior rows without a time.",
        "Events without a time never match time-window conditions.",
        "`ORDERED_AT` is NULL on 3% of the rows",
        "S2";
    PackTimeRange = "pack-time-range", Info,
        "The time range of a behavior's events.",
        "A range far in the past or future usually means a unit or time-zone mistake (milliseconds read as seconds).",
        "events from 1970-01-20 to 1970-01-21",
        "S9 (inference)";
    PackStaleResults = "pack-stale-results", Warning,
        "The check pack's results name a config entry this config does not have.",
        "The results come from another version of the config: run the current check pack.",
        "results for `behaviors[3] returns` after that behavior was removed",
        "cps (the check pack)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_names_its_sources() {
        for &c in Code::ALL {
            assert!(!c.doc().sources.is_empty(), "{}", c.as_str());
        }
    }

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        for &c in Code::ALL {
            let n = c.as_str();
            assert!(names.insert(n), "duplicate code {n}");
            assert!(n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()));
            assert_eq!(Code::from_name(n), Some(c));
            assert!(!c.doc().summary.is_empty());
        }
    }
}
