package dev.lifeboat.archive;

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
      CREATE ROLE reporting;
      ALTER ROLE reporting WITH NOSUPERUSER NOINHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION BYPASSRLS CONNECTION LIMIT 5 PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy' VALID UNTIL '2030-01-01 00:00:00+00';
      CREATE ROLE lifeboat_drill_role_0123456789ab;
      ALTER ROLE lifeboat_drill_role_0123456789ab WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION BYPASSRLS;
      COMMENT ON ROLE lifeboat_drill_role_0123456789ab IS 'lifeboat:drill-role:drill7:lifeboat_drill_role_0123456789ab';
      COMMENT ON ROLE app_tenant IS 'the application''s tenants';

      --
      -- Role memberships
      --

      GRANT app_tenant TO "Mixed Case" GRANTED BY postgres;
      """;

  @Test
  void eachRoleComesWithItsAttributesAndSettingsButNotPerDatabaseOnes() {
    Map<String, List<String>> roles = Roles.parse(GLOBALS);

    assertThat(roles.keySet())
        .containsExactly(
            "app_tenant",
            "Mixed Case",
            "postgres",
            "reporting",
            "lifeboat_drill_role_0123456789ab");
    assertThat(roles.get("Mixed Case"))
        .containsExactly(
            "CREATE ROLE \"Mixed Case\";",
            "ALTER ROLE \"Mixed Case\" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN"
                + " NOREPLICATION NOBYPASSRLS;",
            "ALTER ROLE \"Mixed Case\" SET search_path TO 'app';");
  }

  @Test
  void eachRoleIsDescribedWithItsAttributesAndItsPrivilegesButNeverItsPasswordHash() {
    Map<String, Roles.Role> roles = Roles.roles(GLOBALS);

    assertThat(roles.get("app_tenant").describe()).isEqualTo("app_tenant (NOLOGIN)");
    assertThat(roles.get("Mixed Case").describe()).isEqualTo("Mixed Case (LOGIN)");
    assertThat(roles.get("postgres").describe())
        .isEqualTo("postgres (LOGIN, SUPERUSER, REPLICATION, BYPASSRLS, CREATEROLE, CREATEDB)");
    assertThat(roles.get("postgres").privileged())
        .containsExactly("SUPERUSER", "REPLICATION", "BYPASSRLS");
    Roles.Role reporting = roles.get("reporting");
    assertThat(reporting.describe())
        .isEqualTo(
            "reporting (LOGIN, BYPASSRLS, NOINHERIT, CONNECTION LIMIT 5, VALID UNTIL"
                + " '2030-01-01 00:00:00+00', password hash from the backup)");
    assertThat(reporting.privileged()).containsExactly("BYPASSRLS");
    assertThat(reporting.password()).isTrue();
    assertThat(roles.get("app_tenant").privileged()).isEmpty();
  }

  @Test
  void rolesADrillMadeAreNeverAmongTheRolesToCreate() {
    assertThat(Roles.roles(GLOBALS)).doesNotContainKey("lifeboat_drill_role_0123456789ab");
  }

  @Test
  void quotedNamesAreUnquoted() {
    assertThat(Roles.unquote("\"a \"\"b\"\"\"")).isEqualTo("a \"b\"");
    assertThat(Roles.unquote("app_tenant")).isEqualTo("app_tenant");
  }
}
