//! The chain on disk: the same snapshot a tab keeps in IndexedDB, in a file, one
//! file per chain (each room epoch and each set of chain rules has its own genesis),
//! and the wallet in a file of its own so that it outlives every reset of the room.
//!
//! A write goes to a temporary file that is then renamed over the old one, so a
//! crash or a full disk mid-write leaves the previous snapshot whole. A load replays
//! every block through full validation ([`Snapshot::restore`]): a damaged or edited
//! file stops the node with the reason instead of handing peers a chain they reject.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ledger::ChainParams;
use ledger::chain::genesis_block;
use node::{Node, Snapshot, Wallet};

const WALLET_FILE: &str = "wallet.json";

/// Where one node keeps its chain.
#[derive(Clone, Debug)]
pub struct ChainFile {
    path: PathBuf,
}

impl ChainFile {
    /// The snapshot file of `params`' chain inside `dir`, which is created if
    /// missing. The name carries the chain's name and the start of its genesis hash,
    /// so a room reset or other rules never meet an old chain's file.
    pub fn for_chain(dir: &Path, params: &ChainParams) -> anyhow::Result<Self> {
        create(dir)?;
        let genesis = genesis_block(params, &*node::hasher_for(params)).block_hash();
        let name = format!("{}-{}.snapshot", params.name, &genesis.to_string()[..12]);
        Ok(Self {
            path: dir.join(name),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored node and wallet, or `None` when nothing was saved yet.
    pub fn load(
        &self,
        params: &ChainParams,
        now: u64,
    ) -> anyhow::Result<Option<(Node, Option<Wallet>)>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", self.path.display()));
            }
        };
        let restored = Snapshot::decode(&bytes)
            .and_then(|snapshot| snapshot.restore(params.clone(), node::hasher_for(params), now))
            .with_context(|| {
                format!(
                    "{} is not a usable {} chain (move it away to start afresh)",
                    self.path.display(),
                    params.name
                )
            })?;
        Ok(Some(restored))
    }

    /// Replaces the stored snapshot with the node's active chain and wallet.
    pub fn save(&self, node: &Node, wallet: &Wallet) -> anyhow::Result<()> {
        let bytes = Snapshot::capture(node, Some(wallet)).encode();
        replace(&self.path, &bytes)
            .with_context(|| format!("cannot save the chain to {}", self.path.display()))
    }
}

/// The node's wallet, kept beside its chains.
#[derive(Clone, Debug)]
pub struct WalletFile {
    path: PathBuf,
}

impl WalletFile {
    pub fn in_dir(dir: &Path) -> anyhow::Result<Self> {
        create(dir)?;
        Ok(Self {
            path: dir.join(WALLET_FILE),
        })
    }

    /// The stored wallet, or `None` when nothing was saved yet.
    pub fn load(&self) -> anyhow::Result<Option<Wallet>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", self.path.display()));
            }
        };
        let wallet = Wallet::import(&text)
            .with_context(|| format!("{} is not a usable wallet", self.path.display()))?;
        Ok(Some(wallet))
    }

    pub fn save(&self, wallet: &Wallet) -> anyhow::Result<()> {
        replace(&self.path, wallet.export().as_bytes())
            .with_context(|| format!("cannot save the wallet to {}", self.path.display()))
    }
}

fn create(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))
}

/// Writes a temporary file and renames it over `path`.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;

    use ledger::Sha256dHasher;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "chainlab-disk-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
            ));
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const NOW: u64 = 1_800_000_000_000;

    fn mined_node(blocks: u32) -> (Node, Wallet) {
        let wallet = Wallet::from_entropy([7; 32]).unwrap();
        let mut node = Node::new(ChainParams::regtest(), Arc::new(Sha256dHasher));
        for i in 0..blocks {
            let now = NOW + u64::from(i) * 1_000;
            let mut block = node.block_template(wallet.address(), now);
            let target = ledger::Target::from_compact(block.header.bits).unwrap();
            while !target.is_met_by(block.header.block_hash().to_byte_array()) {
                block.header.nonce += 1;
            }
            node.submit_block(block, now).unwrap();
        }
        (node, wallet)
    }

    #[test]
    fn a_saved_chain_and_wallet_load_back() {
        let dir = TempDir::new("roundtrip");
        let params = ChainParams::regtest();
        let file = ChainFile::for_chain(&dir.0, &params).unwrap();
        assert!(file.load(&params, NOW).unwrap().is_none());
        let (node, wallet) = mined_node(5);
        file.save(&node, &wallet).unwrap();
        let (loaded, loaded_wallet) = file.load(&params, NOW + 10_000).unwrap().unwrap();
        assert_eq!(loaded.chain().height(), 5);
        assert_eq!(loaded.chain().tip(), node.chain().tip());
        assert_eq!(loaded_wallet.unwrap().address(), wallet.address());
        let names: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
        assert!(names[0].starts_with("regtest-"), "{names:?}");
    }

    #[test]
    fn a_damaged_file_is_refused_and_left_in_place() {
        let dir = TempDir::new("damaged");
        let file = ChainFile::for_chain(&dir.0, &ChainParams::regtest()).unwrap();
        let (node, wallet) = mined_node(3);
        file.save(&node, &wallet).unwrap();
        let mut bytes = std::fs::read(file.path()).unwrap();
        let last_block_byte = bytes.len() - 200;
        bytes[last_block_byte] ^= 0xff;
        std::fs::write(file.path(), &bytes).unwrap();
        let error = file
            .load(&ChainParams::regtest(), NOW + 10_000)
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("is not a usable regtest chain"),
            "{message}"
        );
        assert_eq!(std::fs::read(file.path()).unwrap(), bytes);
    }

    #[test]
    fn another_network_is_refused() {
        let dir = TempDir::new("network");
        let file = ChainFile::for_chain(&dir.0, &ChainParams::classroom()).unwrap();
        let (node, wallet) = mined_node(1);
        file.save(&node, &wallet).unwrap();
        let error = file
            .load(&ChainParams::classroom(), NOW + 10_000)
            .unwrap_err();
        assert!(format!("{error:#}").contains("genesis"), "{error:#}");
    }

    #[test]
    fn each_chain_has_its_own_file_and_the_wallet_one_of_its_own() {
        let dir = TempDir::new("epochs");
        let first = node::classroom::RoomParams::default();
        let second = node::classroom::RoomParams {
            epoch: 1,
            ..first.clone()
        };
        let a = ChainFile::for_chain(&dir.0, &first.chain_params()).unwrap();
        let b = ChainFile::for_chain(&dir.0, &second.chain_params()).unwrap();
        assert_ne!(a.path(), b.path());
        let wallets = WalletFile::in_dir(&dir.0).unwrap();
        assert!(wallets.load().unwrap().is_none());
        let wallet = Wallet::from_entropy([9; 32]).unwrap();
        wallets.save(&wallet).unwrap();
        assert_eq!(wallets.load().unwrap().unwrap().address(), wallet.address());
        std::fs::write(dir.0.join(WALLET_FILE), "{}").unwrap();
        let error = format!("{:#}", wallets.load().unwrap_err());
        assert!(error.contains("is not a usable wallet"), "{error}");
    }
}
