/** The `--help` text: the one description of the CLI's arguments. */
export const USAGE = `persist-validate: check persisted worlds against every rule persistd enforces.

Usage:
  persist-validate [--redis-url URL] [--key-prefix P] [--retention N] [--json] <world-id>
      Validate every retained epoch of a stored world, straight from Redis: meta, chunk ids,
      SHA-256 digests, then every structural rule on the decoded records (full verification).
  persist-validate --file PATH [--format binary|json] [--world-id ID] [--expected-epoch N] [--json]
      Validate a WorldSnapshot file (binary protobuf, or protobuf JSON) as a save would be.

Options:
  --redis-url URL       Redis to read (default $PERSISTD_REDIS_URL, else redis://127.0.0.1:6379);
                        $PERSISTD_REDIS_USERNAME and $PERSISTD_REDIS_PASSWORD are used when set
  --key-prefix P        persistd's key prefix (default $PERSISTD_KEY_PREFIX, else caelmor)
  --retention N         epochs persistd retains per world (default $PERSISTD_RETENTION, else 3)
  --file PATH           validate a snapshot file instead of a stored world
  --format F            binary or json (default: from the extension, .bin/.pb/.binpb or .json)
  --world-id ID         the world the file saves (default: the file's world section)
  --expected-epoch N    the epoch the file descends from (default: its first section's source_epoch)
  --json                print the report as JSON
  -h, --help            print this help

Exit status: 0 accepted, 1 rejected, 2 usage error, unreadable file, Redis unreachable or world
never saved.
`;
