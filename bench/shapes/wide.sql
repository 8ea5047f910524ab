-- Benchmark dataset shape "wide": the other realistic shape beside jobs/example, so that a win on
-- one is not a loss on the other. Schema and data in one file, for an empty database:
--
--   public.documents        wide rows: random prose, jsonb, a uuid, and a bytea of which 256 bytes
--                           are incompressible (every 20th row 4 KiB: out-of-line TOAST)
--   public.readings         range-partitioned by quarter: 8 partitions with rows, readings_2026_q1
--                           empty, and a default partition holding the stragglers
--   small.t001 … small.t520 520 small lookup-style tables, every tenth one empty
--
-- Scale comes from the setting lifeboat.scale (default 1; fractions allowed, e.g. 0.01 for tests):
-- scale 1 is about 50 MB of pg_database_size, 20 about 1 GB. The small tables do not scale. By hand:
--   psql -v ON_ERROR_STOP=1 -c 'SET lifeboat.scale = 20' -f bench/shapes/wide.sql DB
-- Plain SQL only (no psql meta-commands): pgjdbc runs it as one multi-statement execution too.
-- Seeded, so a scale always gives the same rows (apart from timestamps relative to now()).

SELECT setseed(0.2718);

CREATE TEMP TABLE wide_params AS
SELECT s AS scale,
       greatest(1, round(30000 * s))::int AS n_documents,
       greatest(1, round(60000 * s))::int AS n_readings
FROM (SELECT greatest(0.0001, coalesce(nullif(current_setting('lifeboat.scale', true), ''), '1')::numeric) AS s) p;

-- n random words: text that compresses like prose, not like filler
CREATE FUNCTION pg_temp.wide_words(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(v.w[1 + floor(random() * cardinality(v.w))::int], ' ')
  FROM (SELECT ARRAY[
    'invoice','shipment','customer','ticket','release','contract','warehouse','sensor','reading','alarm',
    'order','payment','refund','account','ledger','report','export','import','schedule','deadline',
    'pending','approved','rejected','escalated','resolved','overdue','partial','complete','draft','final',
    'north','south','east','west','central','regional','global','local','remote','onsite',
    'the','a','and','or','but','with','without','before','after','during',
    'we','they','it','this','that','should','could','must','will','is',
    'not','all','new','old','next','last','first','quick','slow','urgent',
    'Monday','Tuesday','Wednesday','Thursday','Friday','Q1','Q2','Q3','Q4','EOD',
    'Berlin','Lisbon','Austin','Osaka','Lagos','Quito','Tallinn','Perth','Boston','Madrid',
    'temperature','pressure','humidity','voltage','current','battery','firmware','gateway','threshold','calibration'
  ] AS w) v, generate_series(1, greatest(n, 1))
$$;

-- 4,096 phrases of 6 to 17 words; rows take theirs by a hash join on a computed id, which keeps
-- the load fast while the text stays prose
CREATE TEMP TABLE wide_phrases AS
SELECT i AS id, pg_temp.wide_words(6 + floor(random() * 12)::int) AS p
FROM generate_series(0, 4095) i;
CREATE UNIQUE INDEX ON wide_phrases (id);
ANALYZE wide_phrases;

CREATE TABLE documents (
  id          bigint PRIMARY KEY,
  tenant_id   int NOT NULL,
  ref         uuid NOT NULL,
  status      text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz,
  amount      numeric(12, 2),
  title       text NOT NULL,
  body        text NOT NULL,
  attrs       jsonb NOT NULL,
  payload     bytea NOT NULL
);

INSERT INTO documents
SELECT g,
       1 + (g * 2654435761 % 997)::int,
       md5(g::text || '/ref')::uuid,
       (ARRAY['draft', 'open', 'review', 'closed', 'archived'])[1 + (g % 5)::int],
       timestamptz '2024-01-01 00:00:00+00' + g * interval '37 seconds',
       CASE WHEN g % 5 = 0 THEN now() - random() * interval '90 days' END,
       CASE WHEN g % 7 <> 0 THEN round((random() * 100000)::numeric, 2) END,
       initcap(t.p),
       b1.p || '. ' || b2.p || '. ' || b3.p || ' ' || md5(random()::text) || '. ' || b4.p || '.',
       jsonb_strip_nulls(jsonb_build_object(
         'source', (ARRAY['api', 'import', 'web', 'mobile', 'batch'])[1 + (g % 5)::int],
         'score', round(random()::numeric, 4),
         'visible', g % 3 <> 0,
         'tags', to_jsonb(string_to_array(substr(b2.p, 1, 40), ' ')),
         'owner', jsonb_build_object('name', initcap(split_part(b3.p, ' ', 1)), 'email', substr(md5(g::text), 1, 12) || '@example.com'),
         'revision', CASE WHEN g % 4 = 0 THEN (g % 17)::int END,
         'dims', jsonb_build_array(round((random() * 100)::numeric, 1), round((random() * 100)::numeric, 1), (g % 9)::int))),
       -- 256 incompressible bytes (SHA-512 of the id, four ways), 4 KiB on every 20th row
       CASE WHEN g % 20 = 0
            THEN (SELECT string_agg(sha512(int8send(g) || int4send(k)), ''::bytea ORDER BY k) FROM generate_series(1, 64) k)
            ELSE sha512(int8send(g) || '\x01'::bytea) || sha512(int8send(g) || '\x02'::bytea)
                 || sha512(int8send(g) || '\x03'::bytea) || sha512(int8send(g) || '\x04'::bytea)
       END
FROM wide_params,
     generate_series(1::bigint, n_documents) g
     JOIN wide_phrases t ON t.id = (g * 7919) % 4096
     JOIN wide_phrases b1 ON b1.id = (g * 104729) % 4096
     JOIN wide_phrases b2 ON b2.id = (g * 15485863) % 4096
     JOIN wide_phrases b3 ON b3.id = (g * 32452843) % 4096
     JOIN wide_phrases b4 ON b4.id = (g * 49979687) % 4096;
CREATE INDEX documents_tenant_created ON documents (tenant_id, created_at);

CREATE TABLE readings (
  sensor_id  int NOT NULL,
  taken_at   timestamptz NOT NULL,
  value      double precision NOT NULL,
  quality    smallint NOT NULL,
  unit       text NOT NULL,
  meta       jsonb
) PARTITION BY RANGE (taken_at);
CREATE TABLE readings_2024_q1 PARTITION OF readings FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');
CREATE TABLE readings_2024_q2 PARTITION OF readings FOR VALUES FROM ('2024-04-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');
CREATE TABLE readings_2024_q3 PARTITION OF readings FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2024-10-01 00:00:00+00');
CREATE TABLE readings_2024_q4 PARTITION OF readings FOR VALUES FROM ('2024-10-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
CREATE TABLE readings_2025_q1 PARTITION OF readings FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2025-04-01 00:00:00+00');
CREATE TABLE readings_2025_q2 PARTITION OF readings FOR VALUES FROM ('2025-04-01 00:00:00+00') TO ('2025-07-01 00:00:00+00');
CREATE TABLE readings_2025_q3 PARTITION OF readings FOR VALUES FROM ('2025-07-01 00:00:00+00') TO ('2025-10-01 00:00:00+00');
CREATE TABLE readings_2025_q4 PARTITION OF readings FOR VALUES FROM ('2025-10-01 00:00:00+00') TO ('2026-01-01 00:00:00+00');
CREATE TABLE readings_2026_q1 PARTITION OF readings FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');
CREATE TABLE readings_default PARTITION OF readings DEFAULT;

-- two years of readings, spread over the 8 quarters; every 500th row before 2024 (the default partition)
INSERT INTO readings
SELECT 1 + (g % 1500)::int,
       CASE WHEN g % 500 = 0 THEN timestamptz '2023-06-01 00:00:00+00' + (g % 1000) * interval '1 hour'
            ELSE timestamptz '2024-01-01 00:00:00+00' + ((g * 40503) % n_readings) * (interval '730 days' / n_readings)
       END,
       round((random() * 1000 - 200)::numeric, 3)::double precision,
       (g % 4)::smallint,
       (ARRAY['C', 'hPa', '%', 'V', 'A'])[1 + (g % 5)::int],
       CASE WHEN g % 3 = 0 THEN jsonb_build_object('fw', '1.' || (g % 40)::text, 'battery', round(random()::numeric, 2)) END
FROM wide_params, generate_series(1::bigint, n_readings) g;
CREATE INDEX readings_sensor_taken ON readings (sensor_id, taken_at);

-- 520 small tables (codes, settings, per-feature lookups); every tenth one empty
CREATE SCHEMA small;
DO $$
DECLARE
  i int;
  n int;
BEGIN
  FOR i IN 1..520 LOOP
    EXECUTE format('CREATE TABLE small.%I (id int PRIMARY KEY, code text NOT NULL UNIQUE, label text,'
                   ' value numeric(10, 2), options jsonb, updated_at timestamptz NOT NULL DEFAULT now())',
                   't' || lpad(i::text, 3, '0'));
    n := CASE WHEN i % 10 = 0 THEN 0 ELSE 1 + (i * 37) % 60 END;
    IF n > 0 THEN
      EXECUTE format('INSERT INTO small.%I (id, code, label, value, options)'
                     ' SELECT k, %L || k, p.p, round((random() * 1000)::numeric, 2),'
                     ' CASE WHEN k %% 2 = 0 THEN jsonb_build_object(''enabled'', k %% 4 = 0, ''weight'', k) END'
                     ' FROM generate_series(1, %s) k JOIN wide_phrases p ON p.id = (k * %s) %% 4096',
                     't' || lpad(i::text, 3, '0'), 'c' || i || '-', n, 31 + i);
    END IF;
  END LOOP;
END
$$;

DROP TABLE wide_phrases;
DROP TABLE wide_params;
