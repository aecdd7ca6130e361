-- pgbench script for tests/bench/run.sh: the query sccd runs for WHOAMI,
-- sent the same way (a prepared statement with the token hash as its one
-- parameter). run.sh passes the hash with -D token_hash='\x<64 hex digits>'.
SELECT * FROM api.whoami(:token_hash);
