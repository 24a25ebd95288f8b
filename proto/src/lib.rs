//! The types Muster's console, its server functions and its REST API
//! exchange. Serde only: the console compiles them to WASM, the engine
//! stores them (with the `sqlx` feature, its enums are database values that
//! refuse a value they do not know).

pub mod console;
pub mod directory;
pub mod kinds;
pub mod records;
pub mod scim;
pub mod settings;

pub use kinds::*;
pub use records::*;
