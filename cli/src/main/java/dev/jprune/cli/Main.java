package dev.jprune.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code jprune} command (see {@code shared/CLI.md}): {@code info}, {@code groups}, {@code prune} and {@code bench} today;
 * the rest arrive with their issues. Exit codes: 0 success, 2 bad usage, 3 bad input file, 4 model cannot be
 * handled, 1 anything else; on failure one line on stderr, a stack trace only with {@code --verbose}.
 */
public final class Main {

    private Main() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command and returns its exit code (the testable entry point). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.println(usage());
            return args.length == 0 ? CliException.USAGE : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case "info":
                    return InfoCommand.run(rest, out);
                case "groups":
                    return GroupsCommand.run(rest, out);
                case "prune":
                    return PruneCommand.run(rest, out);
                case "eval":
                    return EvalCommand.run(rest, out);
                case "train":
                    return TrainCommand.run(rest, out, false);
                case "finetune":
                    return TrainCommand.run(rest, out, true);
                case "bench":
                    return BenchCommand.run(rest, out);
                default:
                    throw CliException.usage("unknown command '" + args[0] + "'; commands: info, groups, prune, eval, train,"
                            + " finetune, bench");
            }
        } catch (CliException e) {
            err.println("jprune: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            return e.exitCode();
        } catch (RuntimeException | OutOfMemoryError e) {
            err.println("jprune: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    static String usage() {
        return String.join("\n",
                "usage: jprune COMMAND [options]",
                "",
                "commands:",
                "  " + InfoCommand.USAGE,
                "      parameters, MACs (Torch-Pruning's counter), output shape and the first 8 outputs on the parity input",
                "  " + GroupsCommand.USAGE,
                "      the pruning groups (classifier ignored by default), or the group rooted at LAYER's output channels",
                "  " + PruneCommand.USAGE,
                "      prunes a model (Torch-Pruning's options; classifier ignored by default) or replays a saved history;",
                "      prints the changed layers, params and MACs before and after; --report/--json give CLI.md's report",
                "  " + EvalCommand.USAGE,
                "      top-1, top-5, mean loss and images/s on a dataset split (default test)",
                "  " + TrainCommand.TRAIN_USAGE,
                "      trains per epoch (then evaluates the test split), checkpoints, writes the model as ONNX",
                "  " + TrainCommand.FINETUNE_USAGE,
                "      train with lr 0.01 by default, for pruned models; --sparse KIND --reg R adds the pruner's regulariser",
                "  " + BenchCommand.USAGE,
                "      forward latency (median, p90, images/s) before and after pruning on jprune's engine and on ONNX",
                "      Runtime (default optimisation level), with the speed-up next to the MAC speed-up; prune's options",
                "      choose the pruning (none without --ratio/--replay: the base model alone); --report/--json as prune",
                "",
                "DATA (--data DIR) is an IDX (MNIST/Fashion-MNIST), CIFAR-10/100 binary or image-class folder;",
                "transforms in torchvision order: --pad, --resize (shorter side), --crop (centre; random when training,",
                "with --crop-padding), --flip (training), --mean/--std; --limit N keeps the first N examples",
                "",
                "MODEL is a zoo name (resnet18, ...) or an .onnx file (read only, never modified): --input N,C,H,W is",
                "required when its input has dynamic dimensions; --fill-missing parity fills absent external data;",
                "layers are named by their weight initializer without .weight (conv1), else by the ONNX node name",
                "",
                "exit codes: 0 ok, 2 bad usage, 3 bad input file, 4 model cannot be handled, 1 other; --verbose shows stack traces");
    }
}
