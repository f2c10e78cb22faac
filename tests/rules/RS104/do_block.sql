-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);

-- unit: 002_guarded
-- fires: a lock rule sees the statement inside a guarded DO block, at its own line
DO $$ BEGIN
 ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id"); -- fires
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
-- silent: the same with NOT VALID
DO $$ BEGIN
 ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk2" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
