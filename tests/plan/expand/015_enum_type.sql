CREATE TYPE order_kind AS ENUM ('online', 'store');
