-- Lifeboat example data: realistic, not trivially compressible, linear in the scale factor.
-- Scale comes from the setting lifeboat.scale (default 1); scale 1 is about 25 MB of table
-- data. By hand:  psql -v ON_ERROR_STOP=1 -c 'SET lifeboat.scale = 20' -f data.sql DB
-- Run as a superuser (or a BYPASSRLS owner): row-level security is forced on these tables.
-- The generator is seeded, so a scale always gives the same rows (apart from timestamps).

SELECT setseed(0.4242);

CREATE TEMP TABLE gen_params AS
SELECT s AS scale,
       25 * s    AS n_accounts,
       2500 * s  AS n_users,
       600 * s   AS n_projects,
       20000 * s AS n_tasks,
       30000 * s AS n_comments,
       6000 * s  AS n_attachments,
       4000 * s  AS n_invoices,
       30000 * s AS n_audit
FROM (SELECT greatest(1, coalesce(nullif(current_setting('lifeboat.scale', true), ''), '1')::int) AS s) p;

-- n random words from a vocabulary: text that compresses like prose, not like pgbench filler
CREATE FUNCTION pg_temp.words(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(v.w[1 + floor(random() * cardinality(v.w))::int], ' ')
  FROM (SELECT ARRAY[
    'account','acceptance','access','action','adjust','agenda','agreement','alert','align','analysis',
    'api','approve','archive','audit','backend','backlog','balance','bandwidth','baseline','batch',
    'benchmark','billing','blocker','branch','budget','bug','build','cache','calendar','campaign',
    'capacity','change','checkout','client','cluster','code','column','commit','compliance','config',
    'contract','cost','coverage','credit','customer','dashboard','data','database','deadline','debug',
    'delivery','deploy','design','detail','discount','document','domain','draft','email','endpoint',
    'error','estimate','event','export','failover','feature','feedback','field','filter','finance',
    'fix','flow','follow','forecast','form','framework','gateway','goal','handover','header',
    'import','incident','index','infra','input','integration','invoice','issue','job','kickoff',
    'label','latency','launch','layout','lead','ledger','legal','limit','link','load',
    'locale','log','login','margin','market','meeting','memory','merge','metric','migration',
    'milestone','mobile','model','module','monitor','network','note','notify','offer','onboarding',
    'order','outage','owner','package','page','partner','patch','payment','payroll','performance',
    'permission','pipeline','plan','platform','policy','portal','price','priority','process','product',
    'profile','proposal','prototype','query','queue','quote','rate','release','report','request',
    'research','resource','restore','review','revenue','risk','roadmap','rollback','rollout','route',
    'sales','sample','scale','schedule','schema','scope','search','security','server','service',
    'session','setting','setup','signup','sprint','staging','status','storage','strategy','supplier',
    'support','survey','sync','table','target','tax','team','template','tenant','test',
    'ticket','timeline','token','tracking','training','transfer','trial','update','upgrade','upload',
    'usage','user','vendor','version','video','webhook','widget','workflow','workshop','the',
    'a','an','and','or','but','for','with','without','before','after',
    'we','they','it','this','that','should','could','must','will','is',
    'not','all','new','old','next','last','first','quick','slow','urgent',
    'please','check','confirm','update','send','fix','move','add','remove','keep',
    'Monday','Tuesday','Wednesday','Thursday','Friday','Q1','Q2','Q3','Q4','EOD',
    'Berlin','Lisbon','Austin','Osaka','Lagos','Quito','Tallinn','Perth','Boston','Madrid'
  ] AS w) v, generate_series(1, greatest(n, 1))
$$;

CREATE FUNCTION pg_temp.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT a[1 + floor(random() * cardinality(a))::int]
$$;

-- a skewed account: low ids are the big tenants, as in real SaaS
CREATE FUNCTION pg_temp.skewed_account(n int) RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT 1 + floor(n * power(random(), 2))::bigint
$$;

CREATE FUNCTION pg_temp.rand_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT md5(random()::text || clock_timestamp()::text)::uuid
$$;

INSERT INTO accounts (id, slug, name, plan, country, created_at, settings)
OVERRIDING SYSTEM VALUE
SELECT g,
       lower(pg_temp.pick(ARRAY['acme','globex','initech','umbrella','hooli','stark','wayne','tyrell','cyberdyne','soylent']))
         || '-' || substr(md5(random()::text), 1, 6) || '-' || g,
       initcap(pg_temp.words(2)) || ' ' || pg_temp.pick(ARRAY['GmbH','Inc.','Ltd','SA','BV','AB','Oy','LLC']),
       (ARRAY['free','team','team','business','business','enterprise']::plan_tier[])[1 + floor(random() * 6)::int],
       pg_temp.pick(ARRAY['DE','US','GB','FR','PT','JP','BR','NG','EE','AU','ES','CA']),
       now() - random() * interval '5 years',
       jsonb_strip_nulls(jsonb_build_object(
         'timezone', pg_temp.pick(ARRAY['UTC','Europe/Berlin','America/New_York','Asia/Tokyo','Australia/Perth']),
         'sso', CASE WHEN random() < 0.3 THEN jsonb_build_object('provider', pg_temp.pick(ARRAY['okta','azure-ad','google']), 'enforced', random() < 0.5) END,
         'seats', 5 + floor(random() * 500)::int,
         'features', to_jsonb(ARRAY(SELECT pg_temp.pick(ARRAY['gantt','billing','api','audit','sso','exports']) FROM generate_series(1, 1 + (g % 4))))))
FROM gen_params, generate_series(1, n_accounts) g;

INSERT INTO users (id, account_id, email, full_name, role, password_hash, is_active, created_at, last_login_at, preferences)
SELECT pg_temp.rand_uuid(),
       acct,
       lower(fn) || '.' || lower(ln) || '.' || g || '@' || pg_temp.pick(ARRAY['example.com','mail.test','corp.example','inbox.example']),
       fn || ' ' || ln,
       CASE WHEN g <= n_accounts THEN 'owner' ELSE pg_temp.pick(ARRAY['admin','member','member','member','member','guest']) END,
       '$argon2id$v=19$m=65536,t=3,p=4$' || encode(decode(md5(random()::text), 'hex'), 'base64') || '$' || md5(random()::text) || md5(random()::text),
       random() < 0.93,
       created,
       CASE WHEN random() < 0.85 THEN created + random() * (now() - created) END,
       jsonb_strip_nulls(jsonb_build_object(
         'theme', pg_temp.pick(ARRAY['dark','light','system']),
         'locale', pg_temp.pick(ARRAY['en-US','en-GB','de-DE','pt-PT','ja-JP','fr-FR']),
         'notifications', jsonb_build_object('email', random() < 0.7, 'digest', pg_temp.pick(ARRAY['daily','weekly','never'])),
         'shortcuts', CASE WHEN random() < 0.2 THEN jsonb_build_object('new_task', 'c', 'search', '/') END,
         'pinned_projects', CASE WHEN random() < 0.4 THEN to_jsonb(ARRAY[floor(random() * 1000)::int, floor(random() * 1000)::int]) END))
FROM gen_params,
     LATERAL (SELECT g,
                     CASE WHEN g <= 4 * n_accounts THEN 1 + (g - 1) % n_accounts
                          ELSE pg_temp.skewed_account(n_accounts) END AS acct,
                     pg_temp.pick(ARRAY['Ana','Ben','Chen','Dana','Emeka','Fatima','Gustav','Hana','Igor','Jun','Kemi','Lea','Mateo','Nora','Omar','Priya','Quinn','Rui','Sofia','Tomas','Uma','Viktor','Wen','Yara','Zoe']) AS fn,
                     pg_temp.pick(ARRAY['Silva','Smith','Müller','Tanaka','Okafor','Ivanov','Garcia','Kim','Novak','Haddad','Larsen','Rossi','Dubois','Costa','Nakamura','Mensah','Kowalski','Öztürk']) AS ln,
                     now() - random() * interval '3 years' AS created
              FROM generate_series(1, n_users) g) u;

CREATE TEMP TABLE account_users AS
SELECT account_id, array_agg(id ORDER BY id) AS ids FROM users GROUP BY account_id;
CREATE UNIQUE INDEX ON account_users (account_id);

-- a project key from its number: P + five letters, unique up to 11 million projects
CREATE FUNCTION pg_temp.project_key(g bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'P' || chr(65 + (g % 26)::int) || chr(65 + (g / 26 % 26)::int) || chr(65 + (g / 676 % 26)::int)
             || chr(65 + (g / 17576 % 26)::int) || chr(65 + (g / 456976 % 26)::int)
$$;

INSERT INTO projects (id, account_id, key, name, description, status, owner_id, budget, starts_on, ends_on, created_at, metadata)
SELECT g,
       acct,
       pg_temp.project_key(g),
       initcap(pg_temp.words(1 + floor(random() * 3)::int)) || ' ' || pg_temp.pick(ARRAY['Platform','Migration','Launch','Redesign','Audit','Rollout','Integration']),
       CASE WHEN random() < 0.8 THEN pg_temp.words(10 + floor(random() * 60)::int) END,
       (ARRAY['planned','active','active','active','on_hold','done','archived']::project_status[])[1 + floor(random() * 7)::int],
       au.ids[1 + floor(random() * cardinality(au.ids))::int],
       CASE WHEN random() < 0.7 THEN round((1000 + power(random(), 3) * 500000)::numeric, 2) END,
       start_day,
       CASE WHEN random() < 0.6 THEN start_day + (30 + floor(random() * 400)::int) END,
       start_day - floor(random() * 30)::int + time '09:00' + random() * interval '8 hours',
       jsonb_strip_nulls(jsonb_build_object(
         'color', '#' || substr(md5(random()::text), 1, 6),
         'visibility', pg_temp.pick(ARRAY['private','team','account']),
         'repo', CASE WHEN random() < 0.5 THEN 'https://git.example/' || substr(md5(random()::text), 1, 10) END,
         'sla_hours', CASE WHEN random() < 0.3 THEN floor(4 + random() * 72)::int END))
FROM (SELECT g,
             CASE WHEN g <= 2 * n_accounts THEN 1 + (g - 1) % n_accounts
                  ELSE pg_temp.skewed_account(n_accounts) END AS acct,
             (current_date - floor(random() * 1000)::int) AS start_day
      FROM gen_params, generate_series(1, n_projects) g
      OFFSET 0) p
JOIN account_users au ON au.account_id = p.acct;

INSERT INTO tasks (id, account_id, project_id, number, title, body, status, priority, assignee_id, estimate, due_on, labels, created_at, updated_at)
SELECT t.g,
       pr.account_id,
       pr.id,
       row_number() OVER (PARTITION BY pr.id ORDER BY t.g),
       initcap(pg_temp.pick(ARRAY['fix','add','update','remove','investigate','document','review','migrate','test','deploy']))
         || ' ' || pg_temp.words(3 + floor(random() * 8)::int),
       CASE WHEN random() < 0.9 THEN pg_temp.words(5 + floor(power(random(), 2) * 100)::int) END,
       (ARRAY['todo','todo','in_progress','review','done','done','done','cancelled']::task_status[])[1 + floor(random() * 8)::int],
       (ARRAY[1,2,3,3,3,4,4,5])[1 + floor(random() * 8)::int],
       CASE WHEN random() < 0.85 THEN au.ids[1 + floor(random() * cardinality(au.ids))::int] END,
       CASE WHEN random() < 0.5 THEN make_interval(hours => (1 + floor(random() * 40))::int) END,
       CASE WHEN random() < 0.4 THEN current_date + floor(random() * 120 - 30)::int END,
       ARRAY(SELECT DISTINCT pg_temp.pick(ARRAY['bug','feature','ux','backend','frontend','infra','security','customer','tech-debt','docs'])
             FROM generate_series(1, floor(random() * 4)::int + (t.g % 2)::int)),
       t.created,
       t.created + random() * interval '60 days'
FROM (SELECT g,
             1 + floor(random() * n_projects)::bigint AS project_id,
             now() - random() * interval '3 years' AS created
      FROM gen_params, generate_series(1, n_tasks) g
      OFFSET 0) t
JOIN projects pr ON pr.id = t.project_id
JOIN account_users au ON au.account_id = pr.account_id;

INSERT INTO comments (id, account_id, task_id, author_id, body, edited, created_at)
SELECT c.g,
       tk.account_id,
       tk.id,
       au.ids[1 + floor(random() * cardinality(au.ids))::int],
       CASE WHEN random() < 0.15 THEN '@' || lower(pg_temp.words(1)) || ' ' ELSE '' END
         || pg_temp.words(3 + floor(power(random(), 2) * 70)::int)
         || CASE WHEN random() < 0.1 THEN E'\n\n```\n' || md5(random()::text) || E'\n```' ELSE '' END,
       random() < 0.08,
       tk.created_at + random() * interval '90 days'
FROM (SELECT g, 1 + floor(random() * n_tasks)::bigint AS task_id
      FROM gen_params, generate_series(1, n_comments) g
      OFFSET 0) c
JOIN tasks tk ON tk.id = c.task_id
JOIN account_users au ON au.account_id = tk.account_id;

INSERT INTO attachments (id, account_id, task_id, uploaded_by, file_name, content_type, size_bytes, sha256, storage_key, uploaded_at)
SELECT pg_temp.rand_uuid(),
       tk.account_id,
       tk.id,
       au.ids[1 + floor(random() * cardinality(au.ids))::int],
       lower(replace(pg_temp.words(1 + floor(random() * 3)::int), ' ', '-')) || '-' || a.g || '.' || ext.e,
       ext.ct,
       floor(1000 + power(random(), 4) * 50000000)::bigint,
       sha256(random()::text::bytea),
       'acct/' || tk.account_id || '/' || md5(random()::text) || '/' || md5(a.g::text),
       tk.created_at + random() * interval '30 days'
FROM (SELECT g, 1 + floor(random() * n_tasks)::bigint AS task_id, floor(random() * 6)::int AS k
      FROM gen_params, generate_series(1, n_attachments) g
      OFFSET 0) a
JOIN tasks tk ON tk.id = a.task_id
JOIN account_users au ON au.account_id = tk.account_id
JOIN (VALUES (0, 'pdf', 'application/pdf'), (1, 'png', 'image/png'), (2, 'jpg', 'image/jpeg'),
             (3, 'csv', 'text/csv'), (4, 'xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
             (5, 'zip', 'application/zip')) AS ext(k, e, ct) ON ext.k = a.k;

INSERT INTO invoices (id, account_id, number, customer_name, customer_email, currency, status, issued_on, due_on, paid_at, notes)
SELECT g,
       acct,
       'INV-' || to_char(issued, 'YYYY') || '-' || lpad(g::text, 7, '0'),
       cust,
       CASE WHEN random() < 0.8 THEN 'billing@' || lower(replace(cust, ' ', '-')) || '.example' END,
       pg_temp.pick(ARRAY['EUR','EUR','USD','USD','USD','GBP','CHF','JPY']),
       st::invoice_status,
       issued,
       issued + (ARRAY[14, 30, 30, 45, 60])[1 + floor(random() * 5)::int],
       CASE WHEN st = 'paid' THEN issued + random() * interval '50 days' END,
       CASE WHEN random() < 0.25 THEN pg_temp.words(4 + floor(random() * 20)::int) END
FROM (SELECT g,
             CASE WHEN g <= n_accounts THEN g ELSE pg_temp.skewed_account(n_accounts) END AS acct,
             initcap(pg_temp.words(2)) || ' ' || pg_temp.pick(ARRAY['GmbH','Inc','Ltd','SARL','KK','Pty']) AS cust,
             pg_temp.pick(ARRAY['draft','sent','paid','paid','paid','paid','overdue','void']) AS st,
             current_date - floor(random() * 1100)::int AS issued
      FROM gen_params, generate_series(1, n_invoices) g
      OFFSET 0) i;

-- 1 to 9 lines per invoice, about 5 on average
INSERT INTO invoice_lines (account_id, invoice_id, line_no, description, quantity, unit_price, tax_rate)
SELECT inv.account_id,
       inv.id,
       l,
       initcap(pg_temp.pick(ARRAY['consulting','licence','support','hosting','training','setup','storage','seats','overage']))
         || ' — ' || pg_temp.words(2 + floor(random() * 10)::int),
       CASE WHEN random() < 0.6 THEN 1 + floor(random() * 20) ELSE round((random() * 160)::numeric, 3) + 0.001 END,
       round((5 + power(random(), 2) * 4000)::numeric, 2),
       (ARRAY[0, 0.07, 0.19, 0.2, 0.23])[1 + floor(random() * 5)::int]
FROM invoices inv,
     generate_series(1, 1 + (abs(hashint8(inv.id)) % 9)::int) l;

UPDATE invoices inv
SET total = s.total
FROM (SELECT invoice_id, sum(round(amount * (1 + tax_rate), 2)) AS total FROM invoice_lines GROUP BY invoice_id) s
WHERE s.invoice_id = inv.id;

INSERT INTO audit_log (id, account_id, actor_id, action, entity_type, entity_id, occurred_at, client_ip, user_agent, changes)
SELECT a.g,
       tk.account_id,
       CASE WHEN random() < 0.95 THEN au.ids[1 + floor(random() * cardinality(au.ids))::int] END,
       act,
       ent,
       CASE ent WHEN 'task' THEN tk.id::text WHEN 'project' THEN tk.project_id::text
                ELSE pg_temp.rand_uuid()::text END,
       tk.created_at + random() * interval '120 days',
       CASE WHEN random() < 0.9 THEN ('10.' || floor(random() * 256) || '.' || floor(random() * 256) || '.' || floor(random() * 256))::inet END,
       pg_temp.pick(ARRAY['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15',
                          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36',
                          'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
                          'lifeboat-api-client/2.3.1', 'okhttp/4.12.0', 'curl/8.5.0'])
         || ' ' || substr(md5(random()::text), 1, 8),
       CASE act
         WHEN 'update' THEN jsonb_build_object(
           'field', pg_temp.pick(ARRAY['status','title','assignee','priority','due_on','labels']),
           'before', pg_temp.words(1 + floor(random() * 4)::int),
           'after', pg_temp.words(1 + floor(random() * 4)::int),
           'request_id', md5(random()::text))
         WHEN 'create' THEN jsonb_build_object('title', pg_temp.words(3 + floor(random() * 6)::int), 'source', pg_temp.pick(ARRAY['web','api','import','email']))
         WHEN 'login' THEN jsonb_build_object('method', pg_temp.pick(ARRAY['password','sso','token']), 'mfa', random() < 0.6, 'session', md5(random()::text))
         WHEN 'export' THEN jsonb_build_object('format', pg_temp.pick(ARRAY['csv','pdf','json']), 'rows', floor(random() * 100000)::int)
         ELSE jsonb_build_object('reason', pg_temp.words(2 + floor(random() * 8)::int))
       END
FROM (SELECT g,
             1 + floor(random() * n_tasks)::bigint AS task_id,
             pg_temp.pick(ARRAY['update','update','update','create','create','login','delete','export']) AS act,
             pg_temp.pick(ARRAY['task','task','task','project','comment','invoice','user']) AS ent
      FROM gen_params, generate_series(1, n_audit) g
      OFFSET 0) a
JOIN tasks tk ON tk.id = a.task_id
JOIN account_users au ON au.account_id = tk.account_id;

-- later inserts by the application take their ids from the sequences
SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts));
SELECT setval(pg_get_serial_sequence('projects', 'id'), (SELECT max(id) FROM projects));
SELECT setval(pg_get_serial_sequence('tasks', 'id'), (SELECT max(id) FROM tasks));
SELECT setval(pg_get_serial_sequence('comments', 'id'), (SELECT max(id) FROM comments));
SELECT setval(pg_get_serial_sequence('invoices', 'id'), (SELECT max(id) FROM invoices));
SELECT setval(pg_get_serial_sequence('invoice_lines', 'id'), (SELECT max(id) FROM invoice_lines));
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT max(id) FROM audit_log));

DROP TABLE account_users;
DROP TABLE gen_params;

ANALYZE;
