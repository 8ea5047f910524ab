package dev.lifeboat.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.migrate.SqlScript.ClusterWide;
import dev.lifeboat.migrate.SqlScript.Reach;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTests {

  private static List<String> found(String sql) {
    return SqlScript.clusterWide(sql).stream()
        .map(c -> c.line() + " " + c.reach() + " " + c.statement())
        .toList();
  }

  private static Reach reach(String sql) {
    List<ClusterWide> all = SqlScript.clusterWide(sql);
    assertThat(all).as(sql).hasSizeLessThanOrEqualTo(1);
    return all.isEmpty() ? null : all.get(0).reach();
  }

  @Test
  void roleStatementsActOnTheServerAndARolledBackTransactionUndoesThem() {
    for (String sql :
        List.of(
            "CREATE ROLE reader NOLOGIN",
            "create user app_user login",
            "CREATE GROUP staff",
            "ALTER ROLE reader SET statement_timeout = '5s'",
            "ALTER ROLE reader IN DATABASE app SET search_path = app",
            "alter user app_user with password 'x'",
            "DROP ROLE IF EXISTS reader",
            "DROP USER old",
            "GRANT reader TO app_user",
            "REVOKE reader FROM app_user",
            "GRANT CONNECT ON DATABASE app TO reader",
            "REVOKE ALL ON DATABASE app FROM public",
            "GRANT CREATE ON TABLESPACE fast TO reader",
            "GRANT SET ON PARAMETER work_mem TO reader",
            "ALTER DATABASE app SET statement_timeout = '30s'",
            "ALTER DATABASE \"App\" OWNER TO reader",
            "ALTER TABLESPACE fast OWNER TO reader",
            "COMMENT ON DATABASE app IS 'x'",
            "COMMENT ON ROLE reader IS 'x'",
            "SECURITY LABEL FOR selinux ON ROLE reader IS 'x'",
            "REASSIGN OWNED BY old TO reader",
            "DROP OWNED BY old")) {
      assertThat(reach(sql)).as(sql).isEqualTo(Reach.ROLLED_BACK);
    }
  }

  @Test
  void statementsThatRunOnlyOutsideATransactionOrOnAnotherServerCannotBeUndone() {
    for (String sql :
        List.of(
            "CREATE DATABASE reports",
            "DROP DATABASE IF EXISTS reports",
            "CREATE TABLESPACE fast LOCATION '/ssd'",
            "DROP TABLESPACE fast",
            "ALTER SYSTEM SET work_mem = '64MB'",
            "ALTER DATABASE app SET TABLESPACE fast",
            "ALTER DATABASE \"App\" SET TABLESPACE fast",
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
            "DROP SUBSCRIPTION s")) {
      assertThat(reach(sql)).as(sql).isEqualTo(Reach.UNDOABLE);
    }
  }

  @Test
  void statementsOfTheDatabaseItselfAreNotClusterWide() {
    for (String sql :
        List.of(
            "CREATE TABLE roles (id int)",
            "CREATE USER MAPPING FOR app_user SERVER remote",
            "DROP USER MAPPING FOR app_user SERVER remote",
            "GRANT SELECT ON accounts TO reader",
            "GRANT SELECT (id, name) ON accounts TO reader",
            "GRANT USAGE ON SCHEMA app TO reader",
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM public",
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader",
            "COMMENT ON TABLE accounts IS 'CREATE ROLE x'",
            "ALTER TABLE accounts OWNER TO reader",
            "CREATE POLICY p ON accounts TO reader USING (true)",
            "SET ROLE reader",
            "CREATE PUBLICATION p FOR TABLE accounts",
            // defining a function runs nothing of its body
            "CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE ROLE x; END $$")) {
      assertThat(reach(sql)).as(sql).isNull();
    }
  }

  @Test
  void aStatementInACommentAStringOrAQuotedNameIsNotAStatement() {
    String sql =
        """
        -- CREATE DATABASE reports;
        /* ALTER SYSTEM SET work_mem = '1GB'; /* nested */ DROP DATABASE app; */
        INSERT INTO notes (body) VALUES ('CREATE ROLE x; DROP DATABASE app;');
        INSERT INTO notes (body) VALUES (E'it\\'s; CREATE DATABASE y');
        INSERT INTO notes (body) VALUES ($q$ ; CREATE DATABASE z; $q$);
        CREATE TABLE "create database" ("; DROP ROLE r;" int);
        SELECT $1, a$b FROM t;
        """;
    assertThat(SqlScript.clusterWide(sql)).isEmpty();
    assertThat(SqlScript.statements(sql)).hasSize(5);
  }

  @Test
  void aDoBlockCountsByTheStatementsAndExecutedStringsOfItsBody() {
    String guarded =
        """
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_tenant') THEN
            CREATE ROLE app_tenant NOLOGIN;
          END IF;
        END
        $$;
        """;
    assertThat(found(guarded))
        .singleElement()
        .asString()
        .startsWith("1 ROLLED_BACK DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles");
    assertThat(
            reach(
                "DO $body$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO r',"
                    + " current_database()); END $body$"))
        .isEqualTo(Reach.ROLLED_BACK);
    assertThat(reach("DO 'BEGIN EXECUTE ''ALTER DATABASE app SET x.y = 1''; END'"))
        .isEqualTo(Reach.ROLLED_BACK);
    // even CREATE DATABASE in a DO block cannot escape the block's transaction
    assertThat(reach("DO $$ BEGIN EXECUTE 'CREATE DATABASE x'; END $$"))
        .isEqualTo(Reach.ROLLED_BACK);
    assertThat(reach("DO $$ BEGIN PERFORM 1; UPDATE t SET role = 'x'; END $$")).isNull();
  }

  @Test
  void eachFindingNamesItsLine() {
    String sql =
        "CREATE TABLE a (id int);\n\n-- roles\nCREATE ROLE\n  reader;\nALTER SYSTEM SET x = 1;\n";
    assertThat(found(sql))
        .containsExactly("4 ROLLED_BACK CREATE ROLE reader", "6 UNDOABLE ALTER SYSTEM SET x = 1");
  }

  @Test
  void aStandardSqlFunctionBodyKeepsItsSemicolons() {
    String sql =
        """
        CREATE FUNCTION two() RETURNS int LANGUAGE sql
        BEGIN ATOMIC
          SELECT CASE WHEN true THEN 1 ELSE 2 END;
          SELECT 2;
        END;
        CREATE ROLE after_it;
        """;
    assertThat(SqlScript.statements(sql)).hasSize(2);
    assertThat(found(sql)).containsExactly("6 ROLLED_BACK CREATE ROLE after_it");
  }

  @Test
  void theTargetDatabaseIsRenamedWhereAStatementNamesADatabaseAndNowhereElse() {
    String sql =
        """
        ALTER DATABASE app SET statement_timeout = '30s';
        GRANT CONNECT, TEMP ON DATABASE other, APP TO reader;
        COMMENT ON DATABASE "app" IS 'app';
        ALTER ROLE reader IN DATABASE app SET search_path = app;
        SELECT 'ALTER DATABASE app';
        CREATE TABLE app (app int);
        ALTER DATABASE "App" SET x.y = 1;
        DO $$ BEGIN ALTER DATABASE app RESET x.y; END $$;
        """;
    assertThat(SqlScript.renameDatabase(sql, "app", "lifeboat_rehearsal_1"))
        .isEqualTo(
            """
            ALTER DATABASE "lifeboat_rehearsal_1" SET statement_timeout = '30s';
            GRANT CONNECT, TEMP ON DATABASE other, "lifeboat_rehearsal_1" TO reader;
            COMMENT ON DATABASE "lifeboat_rehearsal_1" IS 'app';
            ALTER ROLE reader IN DATABASE "lifeboat_rehearsal_1" SET search_path = app;
            SELECT 'ALTER DATABASE app';
            CREATE TABLE app (app int);
            ALTER DATABASE "App" SET x.y = 1;
            DO $$ BEGIN ALTER DATABASE "lifeboat_rehearsal_1" RESET x.y; END $$;
            """);
  }
}
