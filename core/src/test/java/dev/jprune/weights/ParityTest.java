package dev.jprune.weights;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test vectors of {@code shared/reference/PARITY.md}, which must match bit for bit. */
class ParityTest {

    @ParameterizedTest(name = "{0}{1}[{2}]")
    @CsvSource(delimiter = ';', value = {
        "conv1.weight; 64,3,7,7; 0; 0.08996143937110901",
        "conv1.weight; 64,3,7,7; 7; -0.13503138720989227",
        "conv1.weight; 64,3,7,7; 9407; 0.16157266497612",
        "bn1.weight; 64; 0; 0.9090977907180786",
        "bn1.weight; 64; 7; 0.9198035597801208",
        "bn1.weight; 64; 63; 1.0568066835403442",
        "bn1.running_var; 64; 0; 1.083124041557312",
        "bn1.running_var; 64; 7; 1.1788616180419922",
        "bn1.running_var; 64; 63; 1.491923451423645",
        "layer1.0.conv1.bias; 64; 0; -0.04676659032702446",
        "layer1.0.conv1.bias; 64; 7; -0.013997416943311691",
        "layer1.0.conv1.bias; 64; 63; -0.011613857932388783",
        "fc.weight; 1000,512; 0; -0.08053486794233322",
        "fc.weight; 1000,512; 7; 0.0627477839589119",
        "fc.weight; 1000,512; 511999; -0.05551576986908913",
    })
    void testVectors(String name, String dims, int index, double expected) {
        Tensor t = Parity.value(name, shape(dims));
        assertEquals((float) expected, t.data()[index], 0f, name + "[" + index + "]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "0; 0.17203137278556824",
        "7; -0.609552800655365",
        "150527; 0.8509085774421692",
    })
    void inputVectors(int index, double expected) {
        Tensor x = Parity.input(Shape.of(1, 3, 224, 224));
        assertEquals((float) expected, x.data()[index], 0f);
    }

    @Test
    void uStaysInHalfOpenRange() {
        for (long i = 0; i < 10_000; i++) {
            double v = Parity.u("x", i * 7919);
            assertTrue(v >= -0.5 && v < 0.5, "u out of range: " + v);
        }
    }

    @Test
    void otherLeafNamesUseTheSmallScale() {
        // in_proj_weight is not "weight": 0.2 * u, so |v| <= 0.1
        Tensor t = Parity.value("encoder.self_attention.in_proj_weight", Shape.of(12, 4));
        for (float v : t.data()) {
            assertTrue(Math.abs(v) <= 0.1f, "value " + v);
        }
        assertEquals((float) (0.2 * Parity.u("encoder.self_attention.in_proj_weight", 5)), t.data()[5], 0f);
    }

    private static Shape shape(String dims) {
        String[] p = dims.split(",");
        int[] d = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        return Shape.of(d);
    }
}
