-- Every table except accounts carries a NOT NULL account_id: the multi-tenant contract survived.
SELECT count(*) = 0
FROM information_schema.tables t
WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> 'accounts'
  AND NOT EXISTS (
    SELECT 1 FROM information_schema.columns c
    WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
      AND c.column_name = 'account_id' AND c.is_nullable = 'NO');
