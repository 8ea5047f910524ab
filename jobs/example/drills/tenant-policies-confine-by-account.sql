-- Every tenant table still has a policy for app_tenant that filters on the session's account.
SELECT count(*) = 0
FROM pg_tables t
WHERE t.schemaname = 'public' AND t.tablename <> 'accounts'
  AND NOT EXISTS (
    SELECT 1 FROM pg_policies p
    WHERE p.schemaname = t.schemaname AND p.tablename = t.tablename
      AND 'app_tenant' = ANY (p.roles) AND p.qual LIKE '%current_account_id()%');
