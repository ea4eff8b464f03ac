use super::*;
use yrs::{
    Any, Array, Doc, Map, Text, Transact, WriteTxn, XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

#[test]
fn each_client_is_seen_once_however_many_there_are() {
    for n in [1u64, 2, 16, 17, 100] {
        let mut seen = Seen::default();
        assert!((0..n).all(|c| seen.first_time(c * 7919)), "{n} distinct");
        for c in 0..n {
            assert!(!seen.first_time(c * 7919), "{n}: client {c} again");
        }
        assert!(seen.first_time(u64::MAX), "{n}: a new one");
    }
}

#[test]
fn counts_utf16_units_from_utf8() {
    for text in ["", "plain", "é", "€uro", "𝄞 clef", "a😀b😀"] {
        assert_eq!(
            utf16_len(text.as_bytes()),
            text.encode_utf16().count() as u64,
            "{text}"
        );
    }
}

#[test]
fn accepts_what_yjs_writes() {
    let doc = Doc::new();
    let mut txn = doc.transact_mut();
    let text = txn.get_or_insert_text("t");
    text.insert(&mut txn, 0, "hello world 🙂");
    text.format(
        &mut txn,
        0,
        2,
        yrs::types::Attrs::from([("strong".into(), Any::from(true))]),
    );
    let arr = txn.get_or_insert_array("a");
    arr.push_back(
        &mut txn,
        Any::from(vec![Any::from(1.5), Any::Null, Any::from("x")]),
    );
    let map = txn.get_or_insert_map("m");
    map.insert(&mut txn, "k", Any::from(7));
    let xml = txn.get_or_insert_xml_fragment("x");
    let p = xml.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    p.push_back(&mut txn, XmlTextPrelim::new("body"));
    text.remove_range(&mut txn, 1, 2);
    let update = txn.encode_update_v1();
    scan_update_v1(&update).unwrap();
    scan_update_v1(&[0, 0]).unwrap();
}

#[test]
fn refuses_deep_values_big_clients_and_garbage() {
    // One Any item holding arrays nested 10,000 deep.
    let mut deep = vec![1, 1, 5, 0, 8, 1, 1, b'r', 1];
    deep.extend(std::iter::repeat_n([117u8, 1], 10_000).flatten());
    deep.push(126);
    deep.push(0);
    assert!(matches!(
        scan_update_v1(&deep),
        Err(Error::RefusedUpdate(_))
    ));
    // Client id 2^53.
    let mut big = vec![1, 1];
    let mut id = 1u64 << 53;
    while id >= 0x80 {
        big.push((id as u8 & 0x7f) | 0x80);
        id >>= 7;
    }
    big.push(id as u8);
    big.extend([0, 4, 1, b'r', 1, b'a', 0]);
    assert!(matches!(scan_update_v1(&big), Err(Error::RefusedUpdate(_))));
    for bad in [&[][..], &[1], &[200, 1], &[0, 0, 9]] {
        assert!(scan_update_v1(bad).is_err(), "{bad:?}");
    }
}

/// Text "ab" in root "t" by client 1, then "c" after its "b", then one more
/// block at clock 3 with the given `info` and references.
fn with_block(info: u8, references: &[u8]) -> Vec<u8> {
    let mut update = vec![1, 3, 1, 0];
    update.extend([4, 1, 1, b't', 2, b'a', b'b']);
    update.extend([0x84, 1, 1, 1, b'c']);
    update.push(info);
    update.extend(references);
    update.extend([1, b'd', 0]);
    update
}

#[test]
fn refuses_blocks_that_refer_to_their_own_clients_later_clocks() {
    // Origins and a parent that exist before the block.
    scan_update_v1(&with_block(0xC4, &[1, 2, 1, 0])).unwrap();
    // Another client's later clocks are dependencies yet to arrive.
    scan_update_v1(&with_block(0xC4, &[1, 2, 2, 9])).unwrap();
    scan_update_v1(&with_block(0x04, &[0, 2, 9])).unwrap();
    for (info, references) in [
        (0xC4, &[1, 2, 1, 9][..]), // a right origin yet to be written
        (0x84, &[1, 3]),           // itself as its left origin
        (0x44, &[1, 4]),           // a right origin after itself
        (0x04, &[0, 1, 3]),        // itself as its parent
    ] {
        let update = with_block(info, references);
        let err = scan_update_v1(&update).unwrap_err();
        assert!(
            matches!(&err, Error::RefusedUpdate(why) if why.contains("is not older")),
            "{references:?}: {err}"
        );
    }
}

#[test]
fn refuses_content_refs_that_yjs_reads_differently() {
    // Yjs reads the content ref from five bits of the info byte, yrs from
    // four: 0xD4 is a string to yrs and content ref 20 (none) to Yjs.
    let err = scan_update_v1(&with_block(0xD4, &[1, 2, 1, 0])).unwrap_err();
    assert!(
        matches!(&err, Error::RefusedUpdate(why) if why.contains("content ref")),
        "{err}"
    );
}

#[test]
fn reads_varints_of_every_length_with_or_without_bytes_after_them() {
    let mut values = vec![
        0,
        1,
        127,
        128,
        255,
        300,
        16_383,
        16_384,
        u64::from(u32::MAX),
    ];
    values.extend((0..64).map(|bit| 1u64 << bit));
    values.extend((0..64).map(|bit| (1u64 << bit) - 1));
    values.extend((0..200u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 64)));
    for value in values {
        let mut bytes = Vec::new();
        let mut v = value;
        while v >= 0x80 {
            bytes.push(v as u8 | 0x80);
            v >>= 7;
        }
        bytes.push(v as u8);
        for tail in [0usize, 1, 7, 9] {
            let mut buf = bytes.clone();
            buf.extend(std::iter::repeat_n(0xAA, tail));
            let mut scan = Scan::new(&buf, false);
            assert_eq!(scan.var().unwrap(), value, "{value} with {tail} after");
            assert_eq!(scan.remaining(), tail, "{value} with {tail} after");
        }
    }
    // Ten bytes without an end, and a cut one.
    assert!(Scan::new(&[0xff; 12], false).var().is_err());
    assert!(Scan::new(&[0xff, 0xff], false).var().is_err());
}
