package dev.coffre.it;

import org.junit.jupiter.api.extension.ExtendWith;

/** RsyncIT again, on a vault in a real S3 server (S3Proxy on 127.0.0.1). */
@ExtendWith(OnS3.class)
class S3RsyncIT extends RsyncIT {
}
