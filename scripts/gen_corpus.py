#!/usr/bin/env python3
"""Generates a synthetic migration corpus for the benchmark: N golang-migrate style up/down
pairs with a realistic mix of statements (tables, indexes, constraints, backfills, drops with
contract markers, functions with dollar-quoted bodies). Deterministic for a given seed."""
import os
import random
import sys

def up_sql(i, rng):
    t = f"t{i}"
    parts = [
        "SET lock_timeout = '2s';",
        f"CREATE TABLE IF NOT EXISTS {t} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        f"  user_id bigint NOT NULL REFERENCES users (id),\n  name varchar(200) NOT NULL,\n"
        f"  status text NOT NULL DEFAULT 'new',\n  created_at timestamptz NOT NULL DEFAULT now()\n);",
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_user_idx ON {t} (user_id);",
        f"ALTER TABLE users ADD COLUMN IF NOT EXISTS c{i} integer;",
        f"ALTER TABLE orders ADD CONSTRAINT orders_c{i}_chk CHECK (amount >= 0) NOT VALID;",
        f"ALTER TABLE orders VALIDATE CONSTRAINT orders_c{i}_chk;",
        f"UPDATE users SET c{i} = 0 WHERE c{i} IS NULL AND id < 1000;",
        f"COMMENT ON TABLE {t} IS 'generated table number {i}; see ticket DB-{i}';",
        (f"CREATE OR REPLACE FUNCTION f{i}(x integer) RETURNS integer LANGUAGE plpgsql AS $$\n"
         f"BEGIN\n  -- a body with ; inside\n  RETURN x + {i};\nEND;\n$$;"),
    ]
    if rng.random() < 0.2:
        parts.append(f"-- rollsafe:contract approved-by=alice ticket=DB-{i}\nALTER TABLE users DROP COLUMN IF EXISTS old_c{i};")
    if rng.random() < 0.1:
        parts.append(f"CREATE INDEX {t}_name_idx ON orders (note);")
    # Shuffle the statements after the first three in place (shuffling the slice `parts[3:]`
    # would shuffle a copy and leave `parts` as it was).
    tail = parts[3:]
    rng.shuffle(tail)
    parts[3:] = tail
    return "\n\n".join(parts) + "\n"

def down_sql(i):
    return f"DROP FUNCTION IF EXISTS f{i}(integer);\nALTER TABLE users DROP COLUMN IF EXISTS c{i};\nDROP TABLE IF EXISTS t{i};\n"

def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    for i in range(1, n // 2 + 1):
        with open(os.path.join(out, f"{i:06d}_step_{i}.up.sql"), "w") as f:
            f.write(up_sql(i, rng))
        with open(os.path.join(out, f"{i:06d}_step_{i}.down.sql"), "w") as f:
            f.write(down_sql(i))

if __name__ == "__main__":
    main()
