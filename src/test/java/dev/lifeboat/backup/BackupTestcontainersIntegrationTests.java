package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * The backup round trip against a PostgreSQL and a LocalStack S3 in containers. Runs only where a
 * Docker engine exists; elsewhere JUnit reports it skipped with the reason.
 */
@Testcontainers(disabledWithoutDocker = true)
class BackupTestcontainersIntegrationTests {

  @Container
  static final PostgreSQLContainer POSTGRES =
      new PostgreSQLContainer(DockerImageName.parse("postgres:15-alpine"));

  @Container
  static final LocalStackContainer LOCALSTACK =
      new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"))
          .withServices("s3");

  @TempDir Path dir;

  @Test
  void aBackupOfAContainerDatabaseLandsInLocalStackAndVerifies() throws Exception {
    PgConnection db =
        PgConnection.fromJdbcUrl(
            POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword());
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t AS SELECT g, md5(g::text) FROM generate_series(1, 10000) g");
    }
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(LOCALSTACK.getEndpoint())
            .forcePathStyle(true)
            .region(Region.of(LOCALSTACK.getRegion()))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
            .build()) {
      s3.createBucket(b -> b.bucket("tc"));
    }
    Fixture fx = new Fixture(dir);
    fx.env.put("LS_KEY", LOCALSTACK.getAccessKey());
    fx.env.put("LS_SECRET", LOCALSTACK.getSecretKey());
    fx.stores.put(
        "localstack",
        "{ type: s3, endpoint: \""
            + LOCALSTACK.getEndpoint()
            + "\", region: "
            + LOCALSTACK.getRegion()
            + ", bucket: tc, path-style: true, access-key: \"${LS_KEY}\","
            + " secret-key: \"${LS_SECRET}\" }");
    Path config = fx.write(db, "app");

    Result backup = fx.cli().run("--config", config.toString(), "backup", "--json");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    JsonNode result = Json.mapper().readTree(backup.stdout());
    assertThat(result.get("manifest").get("tables").get("public.t").asLong()).isEqualTo(10000);

    Result verify = fx.cli().run("--config", config.toString(), "verify", "latest");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }
}
