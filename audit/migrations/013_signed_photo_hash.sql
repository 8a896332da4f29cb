-- A photo's 64-bit difference hash kept as a signed BIGINT, the same bits: PostgreSQL has no unsigned
-- integers, and the distance between two hashes (bits that differ) is the same either way.
ALTER TABLE photos ALTER COLUMN phash TYPE BIGINT
    USING CASE WHEN phash >= 9223372036854775808 THEN phash - 18446744073709551616 ELSE phash END;
