package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LifeboatDatabasesTests {

  @ParameterizedTest
  @ValueSource(strings = {"template0", "template1", "postgres", "TEMPLATE1"})
  void theServersOwnDatabasesAreRefused(String name) {
    assertThatThrownBy(() -> LifeboatDatabases.checkInto(name, "postgres"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--into: '" + name + "' is the server's")
        .hasMessageEndingWith("nothing was changed");
  }

  @Test
  void theMaintenanceDatabaseLifeboatConnectsThroughIsRefused() {
    assertThatThrownBy(() -> LifeboatDatabases.checkInto("admin", "admin"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("maintenance database");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lifeboat_drill_x", "sales_lbrestore", "sales_lbold", "Sales_LBOLD"})
  void namesLifeboatReservesForItsOwnDatabasesAreRefused(String name) {
    assertThatThrownBy(() -> LifeboatDatabases.checkInto(name, "postgres"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("which Lifeboat reserves")
        .hasMessageContaining("'" + name + "'");
  }

  @Test
  void anOrdinaryNameIsAccepted() {
    assertThatCode(() -> LifeboatDatabases.checkInto("sales", "postgres"))
        .doesNotThrowAnyException();
    assertThatCode(() -> LifeboatDatabases.checkInto("sales_lbold_archive", null))
        .doesNotThrowAnyException();
  }

  @Test
  void aNameTooLongForItsStagingNameIsRefused() {
    assertThatThrownBy(() -> LifeboatDatabases.checkInto("x".repeat(54), "postgres"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("at most 53 characters");
  }
}
