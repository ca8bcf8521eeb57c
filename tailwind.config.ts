/**
 * Tailwind CSS 3, through Remix's built-in support (the classic compiler finds this file and runs
 * Tailwind on every CSS file imported by a route: app/tailwind.css). The colours are semantic tokens
 * backed by CSS variables, set for light and dark in app/tailwind.css, so one class (`bg-surface`,
 * `text-subtle`) is right in both schemes; `dark:` variants follow the OS (`media`). See ADR 021.
 */
import type { Config } from "tailwindcss";

/** A token as `rgb(var(--color-name) / alpha)`, so `bg-surface/90` and `ring-accent/40` work. */
const token = (name: string) => `rgb(var(--color-${name}) / <alpha-value>)`;

export default {
  content: ["./app/**/*.{ts,tsx}"],
  // Classes a page builds from pieces (`badge-${status.toLowerCase()}`), which the content scan cannot see.
  safelist: [{ pattern: /^badge-(none|funding|funded|verifying|fulfilled|failed|cancelled)$/ }],
  darkMode: "media",
  theme: {
    extend: {
      colors: {
        canvas: token("canvas"),
        surface: token("surface"),
        sunken: token("sunken"),
        ink: token("ink"),
        subtle: token("subtle"),
        line: token("line"),
        "line-strong": token("line-strong"),
        accent: token("accent"),
        "accent-hover": token("accent-hover"),
        "on-accent": token("on-accent"),
        "accent-soft": token("accent-soft"),
        danger: token("danger"),
        success: token("success"),
        "warn-bg": token("warn-bg"),
        "warn-ink": token("warn-ink"),
      },
      fontFamily: {
        // System fonts only: nothing is downloaded (the CSP allows fonts from this origin only).
        sans: [
          "system-ui",
          "-apple-system",
          '"Segoe UI"',
          "Roboto",
          '"Helvetica Neue"',
          "Arial",
          "sans-serif",
          '"Apple Color Emoji"',
          '"Segoe UI Emoji"',
        ],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", '"Liberation Mono"', "monospace"],
      },
      maxWidth: {
        page: "72rem",
      },
    },
  },
  plugins: [],
} satisfies Config;
