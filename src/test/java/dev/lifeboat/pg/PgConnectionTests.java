package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgConnectionTests {

  @Test
  void parsesHostPortAndDatabase() {
    PgConnection c =
        PgConnection.fromJdbcUrl("jdbc:postgresql://db.example:6543/app", "lifeboat", "s3cret");
    assertThat(c.host()).isEqualTo("db.example");
    assertThat(c.port()).isEqualTo(6543);
    assertThat(c.database()).isEqualTo("app");
    assertThat(c.user()).isEqualTo("lifeboat");
    assertThat(c.password()).isEqualTo("s3cret");
  }

  @Test
  void defaultsThePortTo5432AndIgnoresParameters() {
    PgConnection c =
        PgConnection.fromJdbcUrl("jdbc:postgresql://localhost/app?sslmode=require", "u", null);
    assertThat(c.port()).isEqualTo(5432);
    assertThat(c.database()).isEqualTo("app");
    assertThat(c.password()).isNull();
  }

  @Test
  void acceptsBracketedIpv6Hosts() {
    PgConnection c = PgConnection.fromJdbcUrl("jdbc:postgresql://[::1]:5433/app", "u", "p");
    assertThat(c.host()).isEqualTo("::1");
    assertThat(c.port()).isEqualTo(5433);
    assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/app");
    assertThat(PgConnection.fromJdbcUrl("jdbc:postgresql://[fe80::1]/db", "u", "p").port())
        .isEqualTo(5432);
  }

  @Test
  void decodesAndReencodesPercentEncodedDatabaseNames() {
    PgConnection c = PgConnection.fromJdbcUrl("jdbc:postgresql://h/my%20db", "u", "p");
    assertThat(c.database()).isEqualTo("my db");
    assertThat(PgConnection.fromJdbcUrl(c.jdbcUrl(), "u", "p").database()).isEqualTo("my db");
  }

  @Test
  void rejectsMalformedUrlsNamingTheUrlButNotThePassword() {
    for (String url :
        new String[] {
          "jdbc:mysql://h/db",
          "jdbc:postgresql://h:99999/db",
          "jdbc:postgresql://h:5432/",
          "jdbc:postgresql://h:port/db",
          "postgresql://h/db",
          "jdbc:postgresql://a,b/db",
          "jdbc:postgresql:///db"
        }) {
      assertThatThrownBy(() -> PgConnection.fromJdbcUrl(url, "u", "hunter22"))
          .as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("malformed PostgreSQL JDBC URL")
          .hasMessageNotContaining("hunter22");
    }
  }

  @Test
  void redactsPasswordParametersOfAMalformedUrl() {
    assertThatThrownBy(
            () -> PgConnection.fromJdbcUrl("jdbc:postgresql://h:0/db?password=hunter22", "u", null))
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("hunter22");
  }

  @Test
  void requiresAUserName() {
    assertThatThrownBy(() -> PgConnection.fromJdbcUrl("jdbc:postgresql://h/db", "", "hunter22"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no user name")
        .hasMessageNotContaining("hunter22");
  }

  @Test
  void toStringNeverShowsThePassword() {
    PgConnection c = new PgConnection("h", 5432, "db", "u", "hunter22");
    assertThat(c.toString()).doesNotContain("hunter22").contains("password=***");
    assertThat(new PgConnection("h", 5432, "db", "u", null).toString()).contains("password=none");
  }

  @Test
  void withDatabaseKeepsServerAndCredentials() {
    PgConnection c = new PgConnection("h", 5432, "db", "u", "p").withDatabase("other");
    assertThat(c).isEqualTo(new PgConnection("h", 5432, "other", "u", "p"));
  }

  @Test
  void urlParametersAreKeptButNeverTheCredentials() {
    PgConnection c =
        PgConnection.fromJdbcUrl(
            "jdbc:postgresql://db:5432/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"
                + "&password=leak&user=other&ApplicationName=x",
            "backup", "pw");
    assertThat(c.params())
        .containsOnly(
            java.util.Map.entry("sslmode", "verify-full"),
            java.util.Map.entry("sslrootcert", "/etc/ca.pem"),
            java.util.Map.entry("ApplicationName", "x"));
    assertThat(c.user()).isEqualTo("backup");
    assertThat(c.withDatabase("postgres").params()).isEqualTo(c.params());
    assertThat(c.libpqEnvironment())
        .containsOnly(
            java.util.Map.entry("PGSSLMODE", "verify-full"),
            java.util.Map.entry("PGSSLROOTCERT", "/etc/ca.pem"));
    assertThat(c.toString()).doesNotContain("leak").doesNotContain("pw");
  }
}
