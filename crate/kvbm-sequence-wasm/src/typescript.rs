//! The wire contract ([`crate::contract`]) rendered as TypeScript: the committed
//! `ts/runtime/protocol.generated.ts`, which the facade imports instead of writing any of it
//! again. Rendered by `src/bin/protocol.rs`; `tests/protocol.rs` checks the committed file.
//!
//! Place: `crate/kvbm-sequence-wasm/src/typescript.rs`.

use crate::contract::*;
use std::fmt::Write;

/// Where the rendered file lives, from the repository's root.
pub const GENERATED_PATH: &str = "ts/runtime/protocol.generated.ts";

/// `"a b-c"` → `"ABC"`-style PascalCase of a selector's name (`"eviction policy"` →
/// `"EvictionPolicy"`).
fn pascal(name: &str) -> String {
    name.split(|c: char| c == ' ' || c == '-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn string_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{}'", s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn key(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name)
    }
}

fn class_name(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::None => "none",
        ErrorClass::Kvbm => "kvbm",
        ErrorClass::Range => "range",
        ErrorClass::Type => "type",
        ErrorClass::Plain => "plain",
    }
}

fn field(f: Field) -> String {
    match f {
        Field::U32(n) => format!("{{ name: '{}', type: 'u32' }}", n),
        Field::U64(n) => format!("{{ name: '{}', type: 'u64' }}", n),
        Field::Name(n, names) => format!(
            "{{ name: '{}', type: 'name', names: {} }}",
            n,
            string_list(names)
        ),
    }
}

/// The whole generated file.
pub fn render() -> String {
    let mut o = String::new();
    let mut line = |s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    line("// GENERATED from crate/kvbm-sequence-wasm/src/contract.rs by `kvbm-protocol` (run by");
    line(
        "// scripts/build.sh). Do not edit: change the contract; a test fails when this is stale.",
    );
    line("/**");
    line(" * The wire contract between the WebAssembly module and the facade: statuses and their");
    line(
        " * error fields, return-area words, limits, selector values, snapshot header, event tags,",
    );
    line(" * dump width, and every export's name and parameters.");
    line(" * @module");
    line(" */");
    line("");
    render_statuses(&mut line);
    render_constants(&mut line);
    render_exports(&mut line);
    o
}

fn render_statuses(line: &mut impl FnMut(&str)) {
    line("/** Status codes every export returns (0 = success). */");
    line("export const Status = {");
    for s in STATUSES {
        line(&format!("  {}: {},", s.name, s.code));
    }
    line("} as const;");
    line("/** A status code. */");
    line("export type Status = (typeof Status)[keyof typeof Status];");
    line("");
    line("/** Which JavaScript error a status becomes. */");
    line("export type ErrorClass = 'none' | 'kvbm' | 'range' | 'type' | 'plain';");
    line("/** One error field in the return area: one word, two words (low, high), or a name by index. */");
    line("export type FieldLayout =");
    line("  | { readonly name: string; readonly type: 'u32' | 'u64' }");
    line(
        "  | { readonly name: string; readonly type: 'name'; readonly names: readonly string[] };",
    );
    line(
        "/** A status: its name, its error class, its fields in return-area order from word 0. */",
    );
    line("export interface StatusInfo {");
    line("  /** The status's name (the error's `kind` for class `kvbm`). */");
    line("  readonly name: string;");
    line("  /** Which JavaScript error it becomes. */");
    line("  readonly class: ErrorClass;");
    line("  /** Its fields, in return-area order. */");
    line("  readonly fields: readonly FieldLayout[];");
    line("}");
    line("/** Every status, by code. */");
    line("export const STATUS_INFO: readonly StatusInfo[] = [");
    for s in STATUSES {
        let fields: Vec<String> = s.fields.iter().map(|f| field(*f)).collect();
        line(&format!(
            "  {{ name: '{}', class: '{}', fields: [{}] }},",
            s.name,
            class_name(s.class),
            fields.join(", ")
        ));
    }
    line("];");
    let kinds: Vec<String> = STATUSES
        .iter()
        .filter(|s| s.class == ErrorClass::Kvbm)
        .map(|s| format!("'{}'", s.name))
        .collect();
    line("/** The statuses that become the library's own error class: its `kind`s. */");
    line(&format!(
        "export type KvbmErrorKind = {};",
        kinds.join(" | ")
    ));
    line("");
}

fn render_constants(line: &mut impl FnMut(&str)) {
    let numbers: [(&str, &str, String); 11] = [
        (
            "RET_WORDS",
            "Words in the return area.",
            RET_WORDS.to_string(),
        ),
        (
            "RET_OUT_PTR",
            "Return-area word holding the output buffer's address.",
            RET_OUT_PTR.to_string(),
        ),
        (
            "RET_OUT_LEN",
            "Return-area word holding the output's byte length.",
            RET_OUT_LEN.to_string(),
        ),
        (
            "MAX_INPUT_WORDS",
            "Most words the input buffer takes.",
            MAX_INPUT_WORDS.to_string(),
        ),
        (
            "TO_END",
            "An `end` argument standing for the end of a sequence.",
            format!("0x{:x}", TO_END),
        ),
        (
            "POSITION_LIMIT",
            "Block positions are below this.",
            POSITION_LIMIT.to_string(),
        ),
        (
            "NULL_COUNT",
            "A count word standing for null.",
            format!("0x{:x}", NULL_COUNT),
        ),
        (
            "DUMP_WORDS",
            "Words per index dump entry.",
            DUMP_WORDS.to_string(),
        ),
        (
            "COST_PARAM_WORDS",
            "Words of the cost parameters (`kv_router_decide`).",
            COST_PARAM_WORDS.to_string(),
        ),
        (
            "DECIDE_WORKER_WORDS",
            "Words per eligible worker (`kv_router_decide`).",
            DECIDE_WORKER_WORDS.to_string(),
        ),
        (
            "SNAPSHOT_MAGIC",
            "First word of every snapshot (\"KVSN\").",
            format!("0x{:08x}", SNAPSHOT_MAGIC),
        ),
    ];
    for (name, doc, value) in numbers.iter() {
        line(&format!("/** {} */", doc));
        line(&format!("export const {} = {};", name, value));
    }
    line("/** The snapshot format version. */");
    line(&format!(
        "export const SNAPSHOT_VERSION = {};",
        SNAPSHOT_VERSION
    ));
    line("/** What a snapshot holds (its third word). */");
    line("export const SnapshotKind = {");
    for k in kvbm_sequence::snapshot::Kind::ALL.iter() {
        line(&format!("  {}: {},", k.name(), *k as u32));
    }
    line("} as const;");
    let lists: [(&str, &str, &[&str]); 16] = [
        (
            "DECIDE_SOURCES",
            "Handles at the head of `kv_router_decide`'s input, in order.",
            DECIDE_SOURCES,
        ),
        (
            "DECIDE_CANDIDATE_FIELDS",
            "f64 values per eligible worker in `kv_router_decide`'s output.",
            DECIDE_CANDIDATE_FIELDS,
        ),
        (
            "SIM_CONFIG_FIELDS",
            "Simulator settings, in `kv_sim_new`'s order.",
            SIM_CONFIG_FIELDS,
        ),
        (
            "SIM_ROW_FIELDS",
            "Numbers per trace row in `kv_sim_new`.",
            SIM_ROW_FIELDS,
        ),
        (
            "SIM_REPORT_FIELDS",
            "Report scalars, in `kv_sim_report`'s order.",
            SIM_REPORT_FIELDS,
        ),
        (
            "SIM_LATENCIES",
            "Report latency summaries, after the scalars.",
            SIM_LATENCIES,
        ),
        (
            "SIM_SUMMARY_FIELDS",
            "Fields of one latency summary.",
            SIM_SUMMARY_FIELDS,
        ),
        (
            "SIM_GOODPUT_FIELDS",
            "Goodput fields, after a presence flag.",
            SIM_GOODPUT_FIELDS,
        ),
        (
            "SIM_WORKER_FIELDS",
            "Per-worker report fields.",
            SIM_WORKER_FIELDS,
        ),
        (
            "SIM_REQUEST_FIELDS",
            "Per-request fields of `kv_sim_requests`.",
            SIM_REQUEST_FIELDS,
        ),
        (
            "SIM_REQUEST_STATUS",
            "Request statuses, by code.",
            SIM_REQUEST_STATUS,
        ),
        (
            "SIM_PROGRESS_FIELDS",
            "Fields of `kv_sim_run`'s progress.",
            SIM_PROGRESS_FIELDS,
        ),
        (
            "TOKEN_REASONS",
            "`TokenExtension` reasons, by code.",
            TOKEN_REASONS,
        ),
        ("BLOCK_STATES", "Pool block states, by code.", BLOCK_STATES),
        (
            "OPERATIONS",
            "Operations `InvalidBlockState` names, by code.",
            OPERATIONS,
        ),
        (
            "EVENT_RESULTS",
            "Results of `kv_index_apply`, one per event, by code.",
            EVENT_RESULTS,
        ),
    ];
    for (name, doc, items) in lists.iter() {
        line(&format!("/** {} */", doc));
        line(&format!(
            "export const {} = {} as const;",
            name,
            string_list(items)
        ));
    }
    for s in SELECTORS {
        line(&format!(
            "/** Values of the {} selector; any other value is refused (`unknown {} …`). */",
            s.name, s.name
        ));
        let mut body = String::new();
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(body, "{}: {}, ", key(v), i);
        }
        line(&format!(
            "export const {} = {{ {} }} as const;",
            pascal(s.name),
            body.trim_end_matches(", ")
        ));
    }
    line("");
}

fn render_exports(line: &mut impl FnMut(&str)) {
    line("/** Every export's parameters, by name (the arity is the list's length). */");
    line("export const EXPORTS = {");
    for e in EXPORTS {
        line(&format!("  {}: {},", e.name, string_list(e.params)));
    }
    line("} as const;");
    line("");
    line("/** The raw exports of the module (all parameters are numbers; `ttl`/`now` are f64). */");
    line("export interface RawExports {");
    line("  /** The module's linear memory. */");
    line("  readonly memory: { readonly buffer: ArrayBuffer };");
    for e in EXPORTS {
        let params: Vec<String> = e.params.iter().map(|p| format!("{}: number", p)).collect();
        line(&format!("  /** `{}`. */", e.name));
        line(&format!("  {}({}): number;", e.name, params.join(", ")));
    }
    line("}");
}
