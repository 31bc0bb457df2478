package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's optional Ingress, the optional NetworkPolicies, and the disruption budgets. */
class NetworkingTest {

    @Test
    void ingressRoutesHostsToTheGatewaysCapturePort() {
        Rendered chart = Chart.renderWithRequired("gateway.ingress.enabled=true", "gateway.ingress.className=nginx",
                "gateway.ingress.hosts[0].host=events.example.com", "gateway.ingress.tls[0].secretName=events-tls",
                "gateway.ingress.tls[0].hosts[0]=events.example.com",
                "gateway.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=20m");
        Ingress ingress = chart.get(Ingress.class, Chart.name("gateway"));
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals("20m", ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-body-size"));
        assertEquals("events-tls", ingress.getSpec().getTls().getFirst().getSecretName());
        IngressRule rule = ingress.getSpec().getRules().getFirst();
        assertEquals("events.example.com", rule.getHost());
        HTTPIngressPath path = rule.getHttp().getPaths().getFirst();
        assertEquals("/", path.getPath());
        assertEquals("Prefix", path.getPathType());
        assertEquals(Chart.name("gateway"), path.getBackend().getService().getName());
        assertEquals("http", path.getBackend().getService().getPort().getName(), "never the management port");
    }

    @Test
    void ingressWithoutHostsTakesEveryHostAndIsOffByDefault() {
        assertFalse(Chart.renderWithRequired().has("Ingress", Chart.name("gateway")));
        IngressRule rule = Chart.renderWithRequired("gateway.ingress.enabled=true")
                .get(Ingress.class, Chart.name("gateway")).getSpec().getRules().getFirst();
        assertNull(rule.getHost());
        assertEquals("/", rule.getHttp().getPaths().getFirst().getPath());
    }

    @Test
    void networkPoliciesOpenTheCapturePortAndTheManagementPortOnly() {
        Rendered chart = Chart.renderWithRequired("networkPolicy.enabled=true",
                "networkPolicy.managementFrom[0].namespaceSelector.matchLabels.name=monitoring");
        NetworkPolicy gateway = chart.get(NetworkPolicy.class, Chart.name("gateway"));
        assertEquals(chart.deployment("gateway").getSpec().getSelector().getMatchLabels(), gateway.getSpec().getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress"), gateway.getSpec().getPolicyTypes(), "egress unrestricted unless rules are given");
        List<NetworkPolicyIngressRule> rules = gateway.getSpec().getIngress();
        assertEquals(new IntOrString("http"), rules.getFirst().getPorts().getFirst().getPort());
        assertTrue(rules.getFirst().getFrom() == null || rules.getFirst().getFrom().isEmpty(), "the capture port is public");
        assertEquals(new IntOrString("management"), rules.get(1).getPorts().getFirst().getPort());
        assertEquals("monitoring", rules.get(1).getFrom().getFirst().getNamespaceSelector().getMatchLabels().get("name"));

        NetworkPolicy writer = chart.get(NetworkPolicy.class, Chart.name("writer"));
        assertEquals(1, writer.getSpec().getIngress().size(), "nothing but Prometheus reaches the writer");
        assertEquals(new IntOrString("management"), writer.getSpec().getIngress().getFirst().getPorts().getFirst().getPort());
    }

    @Test
    void egressRulesComeWithDns() {
        Rendered chart = Chart.renderWithRequired("networkPolicy.enabled=true",
                "networkPolicy.egress[0].to[0].ipBlock.cidr=10.0.0.0/8");
        NetworkPolicy writer = chart.get(NetworkPolicy.class, Chart.name("writer"));
        assertEquals(List.of("Ingress", "Egress"), writer.getSpec().getPolicyTypes());
        assertEquals(new IntOrString(53), writer.getSpec().getEgress().getFirst().getPorts().getFirst().getPort());
        assertEquals("10.0.0.0/8", writer.getSpec().getEgress().get(1).getTo().getFirst().getIpBlock().getCidr());
        assertFalse(Chart.renderWithRequired().has("NetworkPolicy", Chart.name("writer")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void unhealthyPodsCanAlwaysBeEvicted(String tier) {
        PodDisruptionBudget pdb = Chart.renderWithRequired().get(PodDisruptionBudget.class, Chart.name(tier));
        assertEquals("AlwaysAllow", pdb.getSpec().getUnhealthyPodEvictionPolicy());
        PodDisruptionBudget old = Chart.renderWithRequired("podDisruptionBudget.unhealthyPodEvictionPolicy=")
                .get(PodDisruptionBudget.class, Chart.name(tier));
        assertNull(old.getSpec().getUnhealthyPodEvictionPolicy());
    }
}
