//! The jirad JSON-RPC contract.
