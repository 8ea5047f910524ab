-- Money is consistent: every invoice's total equals the sum of its taxed lines.
SELECT count(*) = 0
FROM invoices i
LEFT JOIN (SELECT invoice_id, sum(round(amount * (1 + tax_rate), 2)) AS total
           FROM invoice_lines GROUP BY invoice_id) l ON l.invoice_id = i.id
WHERE i.total <> coalesce(l.total, 0);
