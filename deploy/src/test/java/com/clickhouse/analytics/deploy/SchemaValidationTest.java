package com.clickhouse.analytics.deploy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** values.schema.json turns wrong types and misspelt keys into an error before anything renders. */
class SchemaValidationTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            autoscaling.minReplicas=two                             | '/autoscaling/minReplicas': got string, want integer
            autoscaling.enabled=sometimes                           | '/autoscaling/enabled': got string, want boolean
            gateway.autoscaling.targetCPUUtilizationPercentage=high | '/gateway/autoscaling/targetCPUUtilizationPercentage'
            writer.autoscaling.maxReplicas=true                     | '/writer/autoscaling/maxReplicas': got boolean, want integer
            gateway.service.port=http                               | '/gateway/service/port': got string, want integer
            ingest.maxBatchBytes=20MiB                              | '/ingest/maxBatchBytes': got string, want integer
            writer.keda.enabled=on                                  | '/writer/keda/enabled': got string, want boolean
            migration.enabled=yes                                   | '/migration/enabled': got string, want boolean
            kafka.config.SECURITY_PROTOCOL=SSL                      | SECURITY_PROTOCOL
            image.digest=latest                                     | '/image/digest': 'latest' does not match
            clickhouse.url=clickhouse:8123                          | '/clickhouse/url'
            logLevel=verbose                                        | '/logLevel'
            clickhouse.existingSecretUsernameKey=user               | 'existingSecretUsernameKey' not allowed
            kafka.config.bootstrap\\.servers=other:9092             | '/kafka/config/bootstrap.servers'
            management.port=metrics                                 | '/management/port': got string, want integer
            gateway.ingress.enabled=maybe                           | '/gateway/ingress/enabled': got string, want boolean
            gateway.preStopSleepSeconds=ten                         | '/gateway/preStopSleepSeconds'
            tls.caBundle.kafka=yes                                  | '/tls/caBundle/kafka': got string, want boolean
            tls.caBundle.secretName=Private_CA                      | '/tls/caBundle/secretName'
            podDisruptionBudget.unhealthyPodEvictionPolicy=Never    | '/podDisruptionBudget/unhealthyPodEvictionPolicy'
            writer.keda.triggerAuthentication.secretKeys.user=U     | user
            gateway.extraEnv[0].value=x                             | '/gateway/extraEnv/0'
            extraVolumeMounts[0].name=data                          | '/extraVolumeMounts/0'
            monitoring.serviceMonitor.interval=often                | '/monitoring/serviceMonitor/interval'
            networkPolicy.enabledd=true                             | 'enabledd' not allowed
            ingest.existingSecret=Keys!                             | '/ingest/existingSecret'
            priorityClassName=High                                  | '/priorityClassName'
            """)
    void rejects(String setting, String expected) {
        String message = Chart.failure(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, Chart.API_KEYS, setting);
        assertTrue(message.contains("values don't meet the specifications of the schema"), message);
        assertTrue(message.contains(expected), message);
    }
}
