//! The wire contract between the WebAssembly module and the TypeScript facade, written once.
//!
//! Everything both sides must agree on lives here: the status codes with their error fields in
//! the order the return area holds them, the return-area words, the limits, the selector
//! values, the snapshot header, the event tags, the dump width and every export's name and
//! parameters. `src/bin/protocol.rs` renders it as `ts/runtime/protocol.generated.ts`, which
//! the facade imports instead of repeating any of it; `tests/protocol.rs` fails when that file
//! is stale, and a test of the built module checks its exports against [`EXPORTS`].
//!
//! Place: `crate/kvbm-sequence-wasm/src/contract.rs`.

use kvbm_sequence::router::index::DUMP_WORDS as CORE_DUMP_WORDS;
use kvbm_sequence::snapshot;

mod sim;
pub use sim::*;

/// Status codes returned by every export (0 = success).
pub mod code {
    /// Success.
    pub const OK: i32 = 0;
    /// `OrderingViolation`.
    pub const ORDERING_VIOLATION: i32 = 1;
    /// `PositionMismatch`.
    pub const POSITION_MISMATCH: i32 = 2;
    /// `DuplicateBlockId`.
    pub const DUPLICATE_BLOCK_ID: i32 = 3;
    /// `TokenExtension`.
    pub const TOKEN_EXTENSION: i32 = 4;
    /// A position of 2^24 or more.
    pub const POSITION_OVERFLOW: i32 = 5;
    /// Block size 0.
    pub const INVALID_BLOCK_SIZE: i32 = 6;
    /// Memory could not be reserved.
    pub const OUT_OF_MEMORY: i32 = 7;
    /// A 128-bit value that is not a lineage hash.
    pub const INVALID_LINEAGE_HASH: i32 = 8;
    /// A handle that is freed, stale or was never issued.
    pub const INVALID_HANDLE: i32 = 9;
    /// A handle to an object of another kind.
    pub const WRONG_HANDLE_KIND: i32 = 10;
    /// An argument out of its range.
    pub const INVALID_ARGUMENT: i32 = 11;
    /// The module's state is in use (a re-entrant call; cannot happen from the facade).
    pub const BUSY: i32 = 12;
    /// `PoolExhausted`.
    pub const POOL_EXHAUSTED: i32 = 13;
    /// `UnknownBlockId`.
    pub const UNKNOWN_BLOCK_ID: i32 = 14;
    /// `InvalidBlockState`.
    pub const INVALID_BLOCK_STATE: i32 = 15;
    /// `BindingMismatch`.
    pub const BINDING_MISMATCH: i32 = 16;
    /// `LengthMismatch`.
    pub const LENGTH_MISMATCH: i32 = 17;
    /// `InvalidSnapshot`.
    pub const INVALID_SNAPSHOT: i32 = 18;
    /// `UnknownWorker`.
    pub const UNKNOWN_WORKER: i32 = 19;
}

/// Which JavaScript error a status becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// None: success.
    None,
    /// The library's own error class, with a `kind` and fields (SPEC §5).
    Kvbm,
    /// `RangeError`: a value out of its range.
    Range,
    /// `TypeError`: a value of the wrong kind.
    Type,
    /// A plain `Error` (never expected from the facade).
    Plain,
}

/// How one error field is laid out in the return area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// One word, a number.
    U32(&'static str),
    /// Two words (low, high), a bigint.
    U64(&'static str),
    /// One word, an index into a list of names ([`TOKEN_REASONS`], [`BLOCK_STATES`],
    /// [`OPERATIONS`]).
    Name(&'static str, &'static [&'static str]),
}

impl Field {
    /// The field's name in the JavaScript error.
    pub fn name(self) -> &'static str {
        match self {
            Field::U32(n) | Field::U64(n) | Field::Name(n, _) => n,
        }
    }

    /// Return-area words the field takes.
    pub fn width(self) -> usize {
        match self {
            Field::U64(_) => 2,
            _ => 1,
        }
    }
}

/// One status: its code, name, error class and the fields of its return area, in order.
#[derive(Clone, Copy, Debug)]
pub struct Status {
    /// The code an export returns.
    pub code: i32,
    /// Its name (the error's `kind` for [`ErrorClass::Kvbm`]).
    pub name: &'static str,
    /// Which JavaScript error it becomes.
    pub class: ErrorClass,
    /// Its fields, in return-area order from word 0.
    pub fields: &'static [Field],
}

/// `TokenExtension`'s reasons, by code.
pub const TOKEN_REASONS: &[&str] = &["Full", "Incomplete", "Empty", "InsufficientTokens"];
/// A pool block's states, by code (`InvalidBlockState`, pool records).
pub const BLOCK_STATES: &[&str] = &["free", "active", "inactive", "registered"];
/// The operations `InvalidBlockState` names, by code.
pub const OPERATIONS: &[&str] = &["release", "register"];

/// Every status, by code.
pub const STATUSES: &[Status] = &[
    Status {
        code: code::OK,
        name: "Ok",
        class: ErrorClass::None,
        fields: &[],
    },
    Status {
        code: code::ORDERING_VIOLATION,
        name: "OrderingViolation",
        class: ErrorClass::Kvbm,
        fields: &[
            Field::U32("knownId"),
            Field::U32("newId"),
            Field::U32("knownIndex"),
            Field::U32("firstNewIndex"),
        ],
    },
    Status {
        code: code::POSITION_MISMATCH,
        name: "PositionMismatch",
        class: ErrorClass::Kvbm,
        fields: &[
            Field::U32("expected"),
            Field::U32("actual"),
            Field::U32("blockId"),
        ],
    },
    Status {
        code: code::DUPLICATE_BLOCK_ID,
        name: "DuplicateBlockId",
        class: ErrorClass::Kvbm,
        fields: &[Field::U32("blockId")],
    },
    Status {
        code: code::TOKEN_EXTENSION,
        name: "TokenExtension",
        class: ErrorClass::Kvbm,
        fields: &[Field::Name("reason", TOKEN_REASONS)],
    },
    Status {
        code: code::POSITION_OVERFLOW,
        name: "PositionOverflow",
        class: ErrorClass::Range,
        fields: &[Field::U64("position")],
    },
    Status {
        code: code::INVALID_BLOCK_SIZE,
        name: "InvalidBlockSize",
        class: ErrorClass::Range,
        fields: &[],
    },
    Status {
        code: code::OUT_OF_MEMORY,
        name: "OutOfMemory",
        class: ErrorClass::Range,
        fields: &[Field::U32("requested")],
    },
    Status {
        code: code::INVALID_LINEAGE_HASH,
        name: "InvalidLineageHash",
        class: ErrorClass::Range,
        fields: &[Field::U64("rawLow"), Field::U64("rawHigh")],
    },
    Status {
        code: code::INVALID_HANDLE,
        name: "InvalidHandle",
        class: ErrorClass::Type,
        fields: &[],
    },
    Status {
        code: code::WRONG_HANDLE_KIND,
        name: "WrongHandleKind",
        class: ErrorClass::Type,
        fields: &[],
    },
    Status {
        code: code::INVALID_ARGUMENT,
        name: "InvalidArgument",
        class: ErrorClass::Range,
        fields: &[],
    },
    Status {
        code: code::BUSY,
        name: "Busy",
        class: ErrorClass::Plain,
        fields: &[],
    },
    Status {
        code: code::POOL_EXHAUSTED,
        name: "PoolExhausted",
        class: ErrorClass::Kvbm,
        fields: &[Field::U32("requested"), Field::U32("available")],
    },
    Status {
        code: code::UNKNOWN_BLOCK_ID,
        name: "UnknownBlockId",
        class: ErrorClass::Kvbm,
        fields: &[Field::U32("blockId")],
    },
    Status {
        code: code::INVALID_BLOCK_STATE,
        name: "InvalidBlockState",
        class: ErrorClass::Kvbm,
        fields: &[
            Field::U32("blockId"),
            Field::Name("state", BLOCK_STATES),
            Field::Name("operation", OPERATIONS),
        ],
    },
    Status {
        code: code::BINDING_MISMATCH,
        name: "BindingMismatch",
        class: ErrorClass::Kvbm,
        fields: &[
            Field::U32("expectedBlockSize"),
            Field::U64("expectedSaltHash"),
            Field::U32("blockSize"),
            Field::U64("saltHash"),
        ],
    },
    Status {
        code: code::LENGTH_MISMATCH,
        name: "LengthMismatch",
        class: ErrorClass::Range,
        fields: &[Field::U32("ids"), Field::U32("blocks")],
    },
    Status {
        code: code::INVALID_SNAPSHOT,
        name: "InvalidSnapshot",
        class: ErrorClass::Type,
        fields: &[],
    },
    Status {
        code: code::UNKNOWN_WORKER,
        name: "UnknownWorker",
        class: ErrorClass::Kvbm,
        fields: &[Field::U64("workerId"), Field::U32("dpRank")],
    },
];

/// Words in the return area.
pub const RET_WORDS: usize = 16;
/// Return-area word holding the output buffer's address.
pub const RET_OUT_PTR: usize = 14;
/// Return-area word holding the output's byte length.
pub const RET_OUT_LEN: usize = 15;
/// Most words the input buffer takes (1 GiB): one call's tokens or ids.
pub const MAX_INPUT_WORDS: u32 = 1 << 28;
/// An `end` argument standing for "to the end" (of a sequence's blocks).
pub const TO_END: u32 = u32::MAX;
/// Block positions must be below this (the lineage hash's widest mode).
pub const POSITION_LIMIT: u64 = kvbm_sequence::hashing::lineage::POSITION_LIMIT;
/// A count word standing for "null" in variable-length inputs (a block without extra keys).
pub const NULL_COUNT: u32 = u32::MAX;

/// A named set of values one parameter takes; any other value is refused the same way
/// (`InvalidArgument`: "unknown {name} {value}").
#[derive(Clone, Copy, Debug)]
pub struct Selector {
    /// What the parameter selects (also the message's word).
    pub name: &'static str,
    /// Its values' names, by value.
    pub values: &'static [&'static str],
}

/// A pool's eviction policy.
pub const EVICTION_POLICY: Selector = Selector {
    name: "eviction policy",
    values: &["lru", "fifo"],
};
/// An engine hash profile (`kv_engine_hashes`).
pub const ENGINE_PROFILE: Selector = Selector {
    name: "engine profile",
    values: &[
        "vllm-sha256-cbor",
        "vllm-xxhash-cbor",
        "sglang",
        "llm-d",
        "vllm-sha256",
        "vllm-xxhash",
    ],
};
/// An event's kind in the index's input stream (`kv_index_apply`).
pub const EVENT_KIND: Selector = Selector {
    name: "event kind",
    values: &["stored", "removed", "cleared"],
};
/// An extra key's kind in `kv_engine_hashes`' input.
pub const EXTRA_KEY_KIND: Selector = Selector {
    name: "extra key kind",
    values: &["uint", "text", "int", "tuple"],
};
/// A boolean option (EAGLE windows, early exit): 0 or 1.
pub const FLAG: Selector = Selector {
    name: "flag",
    values: &["false", "true"],
};

/// A pool event's tag in `kv_pool_events`' output.
pub const POOL_EVENT_TAG: Selector = Selector {
    name: "pool event tag",
    values: &["stored", "removed"],
};

/// Every selector, for the generated file.
pub const SELECTORS: &[Selector] = &[
    SIM_POLICY,
    TIMING_MODEL,
    PREEMPTION_MODE,
    EVICTION_POLICY,
    ENGINE_PROFILE,
    EVENT_KIND,
    EXTRA_KEY_KIND,
    FLAG,
    POOL_EVENT_TAG,
];

/// The result of one event in `kv_index_apply`'s output, by code.
pub const EVENT_RESULTS: &[&str] = &[
    "ok",
    "duplicate",
    "ParentBlockNotFound",
    "InvalidBlockSequence",
    "BlockNotFound",
];

/// Words per index dump entry (`kv_index_dump`, `kv_index_load`, index snapshots).
pub const DUMP_WORDS: usize = CORE_DUMP_WORDS;
/// Words of the cost's parameters in `kv_router_decide`'s input: seven f64 values.
pub const COST_PARAM_WORDS: usize = 14;
/// The sources of `kv_router_decide`, each a handle (index, generation) at the head of its
/// input, in this order; (0, 0) where a router keeps no such index (`device` and `load` are
/// required).
pub const DECIDE_SOURCES: &[&str] = &["device", "host", "disk", "external", "predicted", "load"];
/// Per eligible worker, the f64 values `kv_router_decide` writes, in this order.
pub const DECIDE_CANDIDATE_FIELDS: &[&str] = &[
    "device",
    "host",
    "disk",
    "predicted",
    "treeSize",
    "prefillTokens",
    "decodeBlocks",
    "cost",
];
/// Words per eligible worker in `kv_router_decide`'s input: id (low, high) and dp rank.
pub const DECIDE_WORKER_WORDS: usize = 3;
/// First word of every snapshot.
pub const SNAPSHOT_MAGIC: u32 = snapshot::MAGIC;
/// The snapshot format version.
pub const SNAPSHOT_VERSION: u32 = snapshot::VERSION;

/// One export: its name and its parameters' names (all `i32`/`u32` words but those in
/// [`F64_PARAMS`]); every export returns a status but `kv_ret_ptr` and `kv_input` (an address).
#[derive(Clone, Copy, Debug)]
pub struct Export {
    /// The symbol.
    pub name: &'static str,
    /// Its parameters, in order.
    pub params: &'static [&'static str],
}

/// Parameters passed as `f64` (times and time-to-live); all others are 32-bit words.
pub const F64_PARAMS: &[&str] = &["ttl", "now", "prefill", "isl", "temperature", "draw"];

const H: &str = "index";
const G: &str = "generation";

macro_rules! exports {
    ($($name:ident($($p:expr),*);)*) => {
        /// Every export of the module, in the order of the binding's `exports/` files.
        pub const EXPORTS: &[Export] = &[$(Export { name: stringify!($name), params: &[$($p),*] }),*];
    };
}

exports! {
    kv_ret_ptr();
    kv_input("words");
    kv_shrink_buffers();
    kv_live_objects();
    kv_reserve("mib");
    kv_free(H, G);
    kv_block_hashes("len", "blockSize", "saltLo", "saltHi");
    kv_sequence_hashes("len", "blockSize", "saltLo", "saltHi");
    kv_salt_hash("saltLen", "loraLen");
    kv_lineage_new("curLo", "curHi", "parLo", "parHi", "posLo", "posHi");
    kv_lineage_parts("w0", "w1", "w2", "w3");
    kv_lineage_to_string("w0", "w1", "w2", "w3");
    kv_lineage_cmp("a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3");
    kv_seq_new("len", "blockSize", "saltLo", "saltHi");
    kv_seq_info(H, G);
    kv_seq_extend(H, G, "len");
    kv_seq_append(H, G, "token");
    kv_seq_truncate(H, G, "len");
    kv_seq_unwind(H, G, "count");
    kv_seq_pop(H, G);
    kv_seq_block_hashes(H, G, "start", "end");
    kv_seq_sequence_hashes(H, G, "start", "end");
    kv_seq_lineage_hashes(H, G, "start", "end");
    kv_seq_block(H, G, "i");
    kv_seq_partial(H, G);
    kv_asg_new("offset");
    kv_asg_info(H, G);
    kv_asg_truncate_from(H, G, "position");
    kv_asg_layout(H, G);
    kv_asg_assigned_ids(H, G);
    kv_asg_staged_ids(H, G);
    kv_asg_unassigned_ids(H, G);
    kv_asg_assigned_pairs(H, G);
    kv_asg_staged_pairs(H, G);
    kv_asg_extend_ids(H, G, "len");
    kv_asg_extend_assigned(H, G, "count");
    kv_asg_stage(H, G, "seqIndex", "seqGeneration", "start", "end");
    kv_asg_assign(H, G, "seqIndex", "seqGeneration", "start", "end");
    kv_asg_commit(H, G);
    kv_asg_take_staged(H, G);
    kv_asg_clear(H, G);
    kv_zip_assigned("aIndex", "aGeneration", "bIndex", "bGeneration");
    kv_zip_assigned_pending("aIndex", "aGeneration", "bIndex", "bGeneration");
    kv_router_hashes("len", "blockSize", "seedLo", "seedHi", "eagle", "mmLen");
    kv_router_sequence_hashes("len", "blockSize", "seedLo", "seedHi", "eagle", "mmLen");
    kv_chain_local_hashes("len");
    kv_engine_hashes("profile", "len", "blockSize", "seedLen", "modelLen", "parentLen", "extraLen");
    kv_index_new();
    kv_index_new_approximate("ttl");
    kv_index_apply(H, G, "len");
    kv_index_find(H, G, "len", "earlyExit", "now");
    kv_index_record(H, G, "idLo", "idHi", "dpRank", "len", "now");
    kv_index_advance(H, G, "now");
    kv_sim_new("len");
    kv_sim_run(H, G, "budget");
    kv_sim_report(H, G);
    kv_sim_requests(H, G);
    kv_index_prune(H, G, "target");
    kv_index_remove_worker(H, G, "lo", "hi");
    kv_index_clear(H, G);
    kv_index_info(H, G);
    kv_index_tree_sizes(H, G);
    kv_index_dump(H, G);
    kv_index_load(H, G, "count");
    kv_load_new();
    kv_load_add_worker(H, G, "lo", "hi", "dpRank");
    kv_load_remove_worker(H, G, "lo", "hi");
    kv_load_add_request(H, G, "request", "lo", "hi", "dpRank", "len", "prefill");
    kv_load_prefill_done(H, G, "request");
    kv_load_free(H, G, "request");
    kv_load_potential(H, G, "len", "chained");
    kv_router_decide("len", "isl", "temperature", "draw", "now", "tieByTreeSize");
    kv_pool_new("capacity", "blockSize", "saltLo", "saltHi", "policy");
    kv_pool_with_ids("count", "blockSize", "saltLo", "saltHi", "policy");
    kv_pool_info(H, G);
    kv_pool_match(H, G, "seqIndex", "seqGeneration", "from");
    kv_pool_match_hashes(H, G, "count");
    kv_pool_missing(H, G, "seqIndex", "seqGeneration", "from", "to");
    kv_pool_allocate(H, G, "n");
    kv_pool_register(H, G, "seqIndex", "seqGeneration", "len", "start");
    kv_pool_release(H, G, "len");
    kv_pool_events(H, G);
    kv_pool_record(H, G, "id");
    kv_pool_records(H, G);
    kv_pool_lookup(H, G, "w0", "w1", "w2", "w3");
    kv_snapshot(H, G);
    kv_restore("len");
}

/// The status an export reports for `value` of `selector` when it names none of its values.
pub fn unknown(selector: &Selector, value: u32) -> String {
    format!(
        "unknown {} {}: expected 0..{}",
        selector.name,
        value,
        selector.values.len() - 1
    )
}
