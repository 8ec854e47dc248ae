package dev.jprune.io.onnx.internal.export;

import dev.jprune.ir.Op;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps each op class to the object that writes it as ONNX. {@link #standard()} holds every op of {@code dev.jprune.ops}
 * that has an ONNX form; the families register themselves ({@link ConvExporters#register} ...), so adding an op means
 * adding its exporter next to its family, and nothing else switches on op types.
 */
public final class ExporterRegistry {

    private static final ExporterRegistry STANDARD = build();

    private final Map<Class<? extends Op>, OpExporter<? extends Op>> exporters = new HashMap<>();

    /** An empty registry. */
    public ExporterRegistry() {
    }

    /** The registry of every op jprune can export (shared, read-only after construction). */
    public static ExporterRegistry standard() {
        return STANDARD;
    }

    private static ExporterRegistry build() {
        ExporterRegistry r = new ExporterRegistry();
        ConvExporters.register(r);
        LinearExporters.register(r);
        ElementwiseExporters.register(r);
        ActivationExporters.register(r);
        PoolExporters.register(r);
        LayoutExporters.register(r);
        SpatialExporters.register(r);
        IndexExporters.register(r);
        NormExporters.register(r);
        AttentionExporters.register(r);
        SourceExporters.register(r);
        return r;
    }

    /** Registers {@code exporter} for ops of exactly class {@code type}; a second registration replaces the first. */
    public <O extends Op> void register(Class<O> type, OpExporter<O> exporter) {
        exporters.put(type, exporter);
    }

    /** Whether ops of class {@code type} can be exported. */
    public boolean supports(Class<? extends Op> type) {
        return exporters.containsKey(type);
    }

    /** The op classes with an exporter (unmodifiable). */
    public Set<Class<? extends Op>> supported() {
        return Collections.unmodifiableSet(exporters.keySet());
    }

    /**
     * Writes {@code op} (the op of the emitter's current node) through its exporter; returns false, writing nothing,
     * when its class has none.
     */
    @SuppressWarnings("unchecked")
    public boolean export(Op op, Emitter e) {
        OpExporter<Op> x = (OpExporter<Op>) exporters.get(op.getClass());
        if (x == null) {
            return false;
        }
        x.export(op, e);
        return true;
    }
}
