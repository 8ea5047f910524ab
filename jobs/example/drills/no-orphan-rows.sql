-- No tenant row points at an account that does not exist (foreign keys restored and valid).
SELECT NOT EXISTS (SELECT 1 FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE a.id IS NULL)
   AND NOT EXISTS (SELECT 1 FROM tasks t LEFT JOIN accounts a ON a.id = t.account_id WHERE a.id IS NULL)
   AND NOT EXISTS (SELECT 1 FROM invoices i LEFT JOIN accounts a ON a.id = i.account_id WHERE a.id IS NULL);
