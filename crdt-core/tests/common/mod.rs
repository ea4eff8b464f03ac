//! Helpers shared by the export and import tests.
#![allow(dead_code)]

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::model::{self, Node};
use crdt_core::{DecodedUpdate, Document, import};

/// A Markdown corpus that holds every node and every mark of the schema.
pub const CORPUS: &str = r#"# Quire *export* test

Plain text with **strong**, *em*, `code`, ~~strike~~, <u>underline</u> and a [link](https://example.com/a?b=1&c=2 "The title").
Characters that Markdown gives meaning: \*stars\*, \_under\_, \# hash, 1\. not a list, \[brackets\], \<angle\>, back\\slash, \`tick\`, a | pipe, & ampersand.

## Second level with `code`

Line one\
line two after a hard break.

![An image](https://example.com/i.png "Image title")

> A quote with **bold**.
>
> - a list in a quote

### Lists

- first
- second
  - nested *one*
  - nested two
- third

7. seven
8. eight
   1. inner one

Between the lists.

1. one
2. two

#### Code

```rust
fn main() {
    println!("<b>&</b>");
}
```

```
plain code
```

---

##### Five

###### Six

Combined ***strong em*** and **[bold link](https://example.org)** and ~~**strike strong**~~ and <u>*under em*</u>.

Unicode: café, Ελληνικά, 日本語, emoji 🎉.
"#;

/// The body after writing `doc` into a fresh document through the yrs writer
/// and applying the update as an author, read back with `model::read_body`.
pub fn through_document(doc: &Node) -> Node {
    let mut document = Document::new();
    let update = import::replace_body(&document, doc, 4242).expect("write body");
    let decoded = DecodedUpdate::decode(Bytes::from(update)).expect("decode");
    document
        .apply(decoded, &Arc::from("author"))
        .expect("apply");
    model::read_body(&document)
}
