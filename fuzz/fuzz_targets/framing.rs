//! Bytes into the frame decoder (detected framing, then each fixed framing), fed whole and in two
//! reads: no panic, the same frames either way, no frame over the limit.
#![no_main]
use bytes::BytesMut;
use jirad::rpc::framing::JsonRpcCodec;
use jirad::rpc::Framing;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fn run(mut codec: JsonRpcCodec, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, bool) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => out.push(f.to_vec()),
                Ok(None) => break,
                Err(_) => return (out, true),
            }
        }
    }
    match codec.decode_eof(&mut buf) {
        Ok(Some(f)) => out.push(f.to_vec()),
        Ok(None) => {}
        Err(_) => return (out, true),
    }
    (out, false)
}

fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    for make in [
        || JsonRpcCodec::new(256),
        || JsonRpcCodec::with_framing(Framing::Lsp, 256),
        || JsonRpcCodec::with_framing(Framing::Ndjson, 256),
    ] {
        let whole = run(make(), &[data]);
        let split = run(make(), &[&data[..cut], &data[cut..]]);
        assert_eq!(whole, split);
        assert!(whole.0.iter().all(|f| f.len() <= 256));
    }
});
