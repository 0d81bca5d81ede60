// miner worker
