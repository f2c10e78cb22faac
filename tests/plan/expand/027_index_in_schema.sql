CREATE INDEX CONCURRENTLY invoices_amount_idx ON billing.invoices (amount);
