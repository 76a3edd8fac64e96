//! The `data_hash` of a revision: `"xxh3_128:"` followed by the 32 lowercase hex digits of the
//! XXH3-128 hash of the stored payload bytes.

/// Prefix of every data hash.
pub const DATA_HASH_PREFIX: &str = "xxh3_128:";

/// The data hash of stored payload bytes.
///
/// ```
/// let h = specstar_runtime::resource::hash::data_hash(br#"{"name":"a"}"#);
/// assert!(h.starts_with("xxh3_128:"));
/// assert_eq!(h.len(), "xxh3_128:".len() + 32);
/// ```
pub fn data_hash(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = xxhash_rust::xxh3::xxh3_128(bytes);
    // Written digit by digit: `format!` with `{:032x}` was most of the cost of hashing a
    // payload (every write hashes one).
    let mut out = String::with_capacity(DATA_HASH_PREFIX.len() + 32);
    out.push_str(DATA_HASH_PREFIX);
    for shift in (0..32).rev() {
        let digit = (hash >> (4 * shift)) & 0xf;
        out.push(char::from(HEX[digit as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_zero_padded_lowercase_hex_of_xxh3_128() {
        for bytes in [&b"specstar"[..], b"", b"{\"name\":\"a\"}", &[0u8; 300]] {
            let expected = format!("xxh3_128:{:032x}", xxhash_rust::xxh3::xxh3_128(bytes));
            assert_eq!(data_hash(bytes), expected);
        }
        let hex = data_hash(b"")
            .trim_start_matches(DATA_HASH_PREFIX)
            .to_owned();
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
