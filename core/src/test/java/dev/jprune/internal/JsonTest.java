package dev.jprune.internal;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesNestedDocument() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, null, \"x\\n\\u00e9\"], \"b\": {}, \"c\": 12345678901234} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-25.0, a.get(1));
        assertEquals(Boolean.TRUE, a.get(2));
        assertEquals(null, a.get(3));
        assertEquals("x\né", a.get(4));
        assertTrue(((Map<?, ?>) m.get("b")).isEmpty());
        assertEquals(12345678901234L, m.get("c"));
    }

    @Test
    void writesAndReadsBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", "resnet\"18");
        m.put("input", new int[] {1, 3, 224, 224});
        m.put("head", List.of(0.17203137f, -4.9353718f, 1.0f));
        m.put("n", 11689512L);
        String s = Json.write(m);
        assertEquals("{\"model\": \"resnet\\\"18\", \"input\": [1, 3, 224, 224], \"head\": [0.17203137, -4.935372, 1.0], \"n\": 11689512}", s);
        Map<?, ?> back = (Map<?, ?>) Json.parse(s);
        assertEquals("resnet\"18", back.get("model"));
        assertEquals(-4.935372f, ((Number) ((List<?>) back.get("head")).get(1)).floatValue(), 0f);
    }

    @Test
    void reportsSyntaxErrorsWithOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
        assertTrue(e.getMessage().contains("offset 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
    }
}
