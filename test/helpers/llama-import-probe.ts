/**
 * A preload for Ember subprocesses (`BUN_OPTIONS="--preload <this file>"`) that appends to
 * the file named by $LLAMA_IMPORT_PROBE when node-llama-cpp's JavaScript is loaded: whether a
 * process ever imported it, observed from outside without measuring memory.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { plugin } from "bun";

const mark = process.env.LLAMA_IMPORT_PROBE;
if (mark)
  plugin({
    name: "llama import probe",
    setup(build) {
      build.onLoad({ filter: /\/node-llama-cpp\/dist\/index\.js$/ }, (args) => {
        appendFileSync(mark, `${process.pid} ${process.argv.slice(2).join(" ")}\n`);
        return { contents: readFileSync(args.path, "utf8"), loader: "js" };
      });
    },
  });
