#!/usr/bin/env python3
"""Generates a synthetic migration corpus for the benchmark: N golang-migrate style files (up/down
pairs) that look like real projects' migrations. Each up file is drawn from a mix of what real
migrations do -- CREATE TABLE with constraints, ALTER TABLE (columns, constraints, types),
indexes (with and without CONCURRENTLY), functions and triggers with dollar-quoted bodies, DO
blocks, seed INSERTs, backfill UPDATEs, views, comments, contract markers -- and sized from about
100 B to 30 KB (log-normal, median about 1 KB, mean about 2 KB, like the real corpus the issue
measured: 5,138 files, 10.4 MB). Deterministic for a given seed.

Usage: gen_corpus.py OUT_DIR FILES [SEED]   (seed 42 by default: the benchmark's corpus)"""
import math
import os
import random
import sys

TYPES = ["bigint", "integer", "text", "varchar(255)", "boolean", "timestamptz", "numeric(12,2)",
         "jsonb", "uuid", "date", "smallint"]
DEFAULTS = {"bigint": "0", "integer": "0", "text": "''", "varchar(255)": "''",
            "boolean": "false", "timestamptz": "now()", "numeric(12,2)": "0", "jsonb": "'{}'::jsonb",
            "uuid": "gen_random_uuid()", "date": "CURRENT_DATE", "smallint": "0"}


def create_table(rng, t, refs):
    cols = ["  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
    for c in range(rng.randint(2, 12)):
        ty = rng.choice(TYPES)
        col = f"  {t}_c{c} {ty}"
        if rng.random() < 0.5:
            col += " NOT NULL"
        if rng.random() < 0.3:
            col += f" DEFAULT {DEFAULTS[ty]}"
        cols.append(col)
    if refs and rng.random() < 0.7:
        r = rng.choice(refs)
        cols.append(f"  {r}_id bigint NOT NULL REFERENCES {r} (id) ON DELETE CASCADE")
    cols.append("  created_at timestamptz NOT NULL DEFAULT now()")
    cols.append("  updated_at timestamptz")
    if rng.random() < 0.4:
        cols.append(f"  CONSTRAINT {t}_created_chk CHECK (updated_at IS NULL OR updated_at >= created_at)")
    if rng.random() < 0.3:
        cols.append(f"  CONSTRAINT {t}_c0_key UNIQUE ({t}_c0)")
    ine = "IF NOT EXISTS " if rng.random() < 0.5 else ""
    return f"CREATE TABLE {ine}{t} (\n" + ",\n".join(cols) + "\n);"


def alter_table(rng, t, i):
    k = rng.randrange(9)
    if k == 0:
        return f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS extra_{i} {rng.choice(TYPES)};"
    if k == 1:
        return f"ALTER TABLE {t} ADD COLUMN note_{i} text NOT NULL DEFAULT 'n/a';"
    if k == 2:
        return (f"ALTER TABLE {t} ADD CONSTRAINT {t}_fk_{i} FOREIGN KEY (owner_id) REFERENCES users (id) "
                "NOT VALID;\n" f"ALTER TABLE {t} VALIDATE CONSTRAINT {t}_fk_{i};")
    if k == 3:
        return f"ALTER TABLE {t} ALTER COLUMN {t}_c0 SET NOT NULL;"
    if k == 4:
        return f"ALTER TABLE {t} ALTER COLUMN {t}_c1 TYPE text;"
    if k == 5:
        return f"ALTER TABLE {t} RENAME COLUMN {t}_c2 TO {t}_renamed_{i};"
    if k == 6:
        return f"ALTER TABLE {t} ADD CONSTRAINT {t}_chk_{i} CHECK (id > 0) NOT VALID;"
    if k == 7:
        return f"ALTER TABLE {t} ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN {t}_c0 DROP DEFAULT;"
    return (f"-- rollsafe:contract approved-by=alice ticket=DB-{i}\n"
            f"ALTER TABLE {t} DROP COLUMN IF EXISTS legacy_{i};")


def index(rng, t, i):
    conc = "CONCURRENTLY " if rng.random() < 0.6 else ""
    uniq = "UNIQUE " if rng.random() < 0.2 else ""
    cols = ", ".join(f"{t}_c{c}" for c in rng.sample(range(3), rng.randint(1, 2)))
    where = " WHERE deleted_at IS NULL" if rng.random() < 0.2 else ""
    using = " USING gin" if rng.random() < 0.1 else ""
    return f"CREATE {uniq}INDEX {conc}IF NOT EXISTS {t}_idx_{i} ON {t}{using} ({cols}){where};"


def function(rng, t, i):
    if rng.random() < 0.5:
        return (f"CREATE OR REPLACE FUNCTION {t}_touch_{i}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n  NEW.updated_at := now();\n  IF NEW.id IS NULL THEN\n"
                "    RAISE EXCEPTION 'id must be set';\n  END IF;\n  RETURN NEW;\nEND;\n$$;\n"
                f"CREATE TRIGGER {t}_touch_{i} BEFORE UPDATE ON {t}\n"
                f"  FOR EACH ROW EXECUTE FUNCTION {t}_touch_{i}();")
    return (f"CREATE OR REPLACE FUNCTION {t}_count_{i}(p_owner bigint) RETURNS bigint\n"
            f"LANGUAGE sql STABLE AS $$\n  SELECT count(*) FROM {t} WHERE id > p_owner;\n$$;")


def do_block(rng, t, i):
    return ("DO $$\nBEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '{t}_state_{i}') THEN\n"
            f"    CREATE TYPE {t}_state_{i} AS ENUM ('new', 'active', 'closed');\n"
            "  END IF;\nEND\n$$;")


def inserts(rng, t, i):
    rows = ",\n".join(
        f"  ({n}, 'value {n} of {t}', {rng.randint(0, 10**6)}, now())" for n in range(rng.randint(1, 40)))
    conflict = " ON CONFLICT DO NOTHING" if rng.random() < 0.5 else ""
    return f"INSERT INTO {t} (id, label, amount, created_at) VALUES\n{rows}{conflict};"


def misc(rng, t, i):
    k = rng.randrange(5)
    if k == 0:
        return f"UPDATE {t} SET updated_at = created_at WHERE updated_at IS NULL AND id < {rng.randint(100, 10**5)};"
    if k == 1:
        return (f"CREATE OR REPLACE VIEW {t}_recent_{i} AS\n  SELECT id, created_at FROM {t}\n"
                "  WHERE created_at > now() - interval '7 days';")
    if k == 2:
        return f"COMMENT ON TABLE {t} IS 'owned by team {i % 7}; see ticket DB-{i}';"
    if k == 3:
        return f"SET lock_timeout = '{rng.choice([2, 5, 10])}s';"
    return f"GRANT SELECT ON {t} TO reporting;"


KINDS = [(create_table, 4), (alter_table, 6), (index, 4), (function, 2), (do_block, 1),
         (inserts, 3), (misc, 3)]


def up_sql(i, rng, size):
    t = f"t{i}"
    tables = [t]
    parts = [create_table(rng, t, ["users"])]
    used = len(parts[0])
    pick = [k for k, w in KINDS for _ in range(w)]
    j = 0
    while used < size:
        j += 1
        kind = rng.choice(pick)
        if kind is create_table:
            name = f"{t}_{j}"
            stmt = create_table(rng, name, tables)
            tables.append(name)
        else:
            stmt = kind(rng, rng.choice(tables), i * 100 + j)
        parts.append(stmt)
        used += len(stmt) + 2
    text = "\n\n".join(parts) + "\n"
    # The smallest files are one short statement, as real ones often are.
    if size < 300:
        text = "SET lock_timeout = '5s';\n" + alter_table(rng, "users", i) + "\n"
    return text


def down_sql(i):
    return (f"DROP INDEX CONCURRENTLY IF EXISTS t{i}_idx_{i};\n"
            f"ALTER TABLE users DROP COLUMN IF EXISTS extra_{i};\nDROP TABLE IF EXISTS t{i} CASCADE;\n")


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    os.makedirs(out, exist_ok=True)
    for i in range(1, n // 2 + 1):
        # Log-normal sizes, median ~1.8 KB, clipped to 100 B .. 30 KB.
        size = int(min(30_000, max(100, math.exp(rng.gauss(math.log(1800), 1.1)))))
        with open(os.path.join(out, f"{i:06d}_step_{i}.up.sql"), "w") as f:
            f.write(up_sql(i, rng, size))
        with open(os.path.join(out, f"{i:06d}_step_{i}.down.sql"), "w") as f:
            f.write(down_sql(i))


if __name__ == "__main__":
    main()
