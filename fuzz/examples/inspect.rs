use yrs::types::ToJson;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, Transact};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(path).unwrap();
    let u = yrs::Update::decode_v1(&data).unwrap();
    println!("{u:#?}");
    let doc = yrs::Doc::new();
    let chat = doc.get_or_insert_array("chat");
    doc.transact_mut().apply_update(u).unwrap();
    println!("live chat: {:?}", chat.to_json(&doc.transact()));
    let state = doc.transact().encode_state_as_update_v1(&yrs::StateVector::default());
    println!("state: {:#?}", yrs::Update::decode_v1(&state).unwrap());
    let d2 = yrs::Doc::new();
    let chat2 = d2.get_or_insert_array("chat");
    d2.transact_mut().apply_update(yrs::Update::decode_v1(&state).unwrap()).unwrap();
    println!("reloaded chat: {:?}", chat2.to_json(&d2.transact()));
}
