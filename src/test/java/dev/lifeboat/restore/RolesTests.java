package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolesTests {

  static final String GLOBALS =
      """
      --
      -- PostgreSQL database cluster dump
      --

      SET default_transaction_read_only = off;

      --
      -- Roles
      --

      CREATE ROLE app_tenant;
      ALTER ROLE app_tenant WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
      CREATE ROLE "Mixed Case";
      ALTER ROLE "Mixed Case" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS;
      ALTER ROLE "Mixed Case" SET search_path TO 'app';
      ALTER ROLE "Mixed Case" IN DATABASE app SET work_mem TO '64MB';
      CREATE ROLE postgres;
      ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;

      --
      -- Role memberships
      --

      GRANT app_tenant TO "Mixed Case" GRANTED BY postgres;
      """;

  @Test
  void eachRoleComesWithItsAttributesAndSettingsButNotPerDatabaseOnes() {
    Map<String, List<String>> roles = Roles.parse(GLOBALS);

    assertThat(roles.keySet()).containsExactly("app_tenant", "Mixed Case", "postgres");
    assertThat(roles.get("Mixed Case"))
        .containsExactly(
            "CREATE ROLE \"Mixed Case\";",
            "ALTER ROLE \"Mixed Case\" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN"
                + " NOREPLICATION NOBYPASSRLS;",
            "ALTER ROLE \"Mixed Case\" SET search_path TO 'app';");
  }

  @Test
  void quotedNamesAreUnquoted() {
    assertThat(Roles.unquote("\"a \"\"b\"\"\"")).isEqualTo("a \"b\"");
    assertThat(Roles.unquote("app_tenant")).isEqualTo("app_tenant");
  }
}
