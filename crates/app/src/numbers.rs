//! Human document numbers (SO-100001, INV-…): reserved from the store in blocks, so a number costs
//! a write only once per block. Numbers of an unused block are skipped after a restart (gaps are
//! allowed; duplicates are not).

use crate::error::Result;
use aftercart_store::Store;
use std::collections::HashMap;
use tokio::sync::Mutex;

const BLOCK: i64 = 64;

#[derive(Default)]
pub struct Numbers {
    ranges: Mutex<HashMap<&'static str, (i64, i64)>>,
}

impl Numbers {
    pub async fn next(&self, store: &Store, counter: &'static str) -> Result<i64> {
        let mut ranges = self.ranges.lock().await;
        let r = ranges.entry(counter).or_insert((0, 0));
        if r.0 >= r.1 {
            let first = store.reserve_numbers(counter, BLOCK).await?;
            *r = (first, first + BLOCK);
        }
        let n = r.0;
        r.0 += 1;
        Ok(n)
    }
}
