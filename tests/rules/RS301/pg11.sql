-- unit: 001_enum layout=goose wrapped=true pg=11
ALTER TYPE mood ADD VALUE 'sad'; -- fires
