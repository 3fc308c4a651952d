//! Signed links in messages (one-click unsubscribe, tracked help links): a token the server can
//! check without storing anything, under a key kept in the database so that every server
//! process, and a restarted one, accepts the links the others wrote.

use crate::docs::{Doc, decode, write};
use crate::{App, AppError, Result};
use aftercart_domain::ids::AccountId;
use aftercart_store::{CommitError, WriteMode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Unsubscribe,
    Help,
}

impl LinkPurpose {
    fn tag(self) -> &'static str {
        match self {
            LinkPurpose::Unsubscribe => "u",
            LinkPurpose::Help => "h",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LinkKey {
    id: Uuid,
    key: String,
}

impl Doc for LinkKey {
    const KIND: &'static str = "link_key";
    const WHAT: &'static str = "link key";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some("links".into())
    }
    fn visible_to(&self, _: &crate::Principal) -> bool {
        false
    }
}

impl App {
    async fn link_key(&self) -> Result<Vec<u8>> {
        if let Some(k) = self.link_key.get() {
            return Ok(k.clone());
        }
        let read = |row: aftercart_store::DocRow| -> Result<Vec<u8>> {
            let k = decode::<LinkKey>(&row)?.value;
            hex::decode(k.key).map_err(|e| AppError::Corrupt(format!("link key: {e}")))
        };
        let key = match self.store.by_number(LinkKey::KIND, "links").await? {
            Some(row) => read(row)?,
            None => {
                let bytes: [u8; 32] = rand::random();
                let doc = LinkKey {
                    id: Uuid::now_v7(),
                    key: hex::encode(bytes),
                };
                let commit = aftercart_store::Commit {
                    docs: vec![write(&doc, WriteMode::Insert)?],
                    ..Default::default()
                };
                match self.store.commit(commit).await {
                    Ok(()) => bytes.to_vec(),
                    // Another process made it first: use theirs.
                    Err(CommitError::NumberTaken { .. }) => match self.store.by_number(LinkKey::KIND, "links").await? {
                        Some(row) => read(row)?,
                        None => return Err(AppError::Corrupt("link key vanished".into())),
                    },
                    Err(e) => return Err(crate::error::commit_error(e)),
                }
            }
        };
        let _ = self.link_key.set(key.clone());
        Ok(key)
    }

    /// A token for `payload` (dot-free text) signed for one purpose.
    pub(crate) async fn sign_link(&self, purpose: LinkPurpose, payload: &str) -> Result<String> {
        let key = self.link_key().await?;
        let body = URL_SAFE_NO_PAD.encode(payload);
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| AppError::Corrupt(e.to_string()))?;
        mac.update(purpose.tag().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{body}.{sig}"))
    }

    /// The payload of a token signed for `purpose`, or None (forged, altered, another purpose).
    pub(crate) async fn verify_link(&self, purpose: LinkPurpose, token: &str) -> Result<Option<String>> {
        let Some((body, sig)) = token.split_once('.') else {
            return Ok(None);
        };
        let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
            return Ok(None);
        };
        let key = self.link_key().await?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| AppError::Corrupt(e.to_string()))?;
        mac.update(purpose.tag().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        if mac.verify_slice(&sig).is_err() {
            return Ok(None);
        }
        Ok(URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()))
    }
}
