package dev.lifeboat.store;

import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The contract against LocalStack's S3 emulation, with checksums on as for AWS itself. Skipped, and
 * reported as skipped, where no Docker engine is available.
 *
 * <p>Pinned to a release from before LocalStack required an auth token (March 2026); a token in
 * {@code LOCALSTACK_AUTH_TOKEN} is passed on for newer images.
 */
@Testcontainers(disabledWithoutDocker = true)
class S3StoreLocalStackIntegrationTests extends BackupStoreContractTests {

  private static final String BUCKET = "lifeboat-contract";

  @Container
  static final LocalStackContainer LOCALSTACK =
      new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"))
          .withServices("s3")
          .withEnv(
              "LOCALSTACK_AUTH_TOKEN", System.getenv().getOrDefault("LOCALSTACK_AUTH_TOKEN", ""));

  @BeforeAll
  static void createBucket() {
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(LOCALSTACK.getEndpoint())
            .region(Region.of(LOCALSTACK.getRegion()))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
            .build()) {
      s3.createBucket(b -> b.bucket(BUCKET));
    }
  }

  @Override
  protected BackupStore unreachableStore() {
    return new S3Store(
        new S3StoreSettings(
            "gone",
            java.net.URI.create(
                "http://127.0.0.1:" + dev.lifeboat.testing.PostgresServer.freePort()),
            LOCALSTACK.getRegion(),
            BUCKET,
            "lifeboat/",
            true,
            LOCALSTACK.getAccessKey(),
            LOCALSTACK.getSecretKey(),
            ChecksumMode.WHEN_SUPPORTED,
            S3StoreSettings.MIN_PART_SIZE_BYTES,
            null,
            null,
            null));
  }

  @Override
  protected BackupStore newStore() {
    return new S3Store(
        new S3StoreSettings(
            "localstack",
            LOCALSTACK.getEndpoint(),
            LOCALSTACK.getRegion(),
            BUCKET,
            "run-" + UUID.randomUUID() + "/",
            true,
            LOCALSTACK.getAccessKey(),
            LOCALSTACK.getSecretKey(),
            ChecksumMode.WHEN_SUPPORTED,
            S3StoreSettings.MIN_PART_SIZE_BYTES,
            null,
            null,
            null));
  }
}
