/**
 * Toasts: short messages in a corner of the screen (transaction progress, mostly), one provider at the
 * root and `useToasts()` anywhere below it. A toast stays until dismissed unless it has a timeout, which
 * pauses while the pointer or focus is on it. Without a provider, `useToasts()` does nothing.
 */
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { cx } from "./cx.js";

export type ToastTone = "info" | "success" | "error";

export interface ToastInput {
  tone: ToastTone;
  title: string;
  body?: ReactNode;
  /** Dismissed after this long (paused while hovered or focused); null: stays until dismissed. */
  timeoutMs?: number | null;
  /**
   * Whether screen readers hear it (role status, or alert for an error). False when the same message is
   * already announced where it happened (TxStatus next to the button), so it is not read twice.
   */
  announce?: boolean;
}

interface Toast extends ToastInput {
  id: number;
  /** Bumped on every update, so a changed toast restarts its timeout. */
  version: number;
}

export interface ToastApi {
  /** Shows a toast; returns its id. */
  show(toast: ToastInput): number;
  /** Replaces a shown toast's content (or shows it again under the same id if it was dismissed). */
  update(id: number, toast: ToastInput): void;
  dismiss(id: number): void;
}

const noop: ToastApi = { show: () => 0, update: () => {}, dismiss: () => {} };
const ToastContext = createContext<ToastApi>(noop);

export function useToasts(): ToastApi {
  return useContext(ToastContext);
}

/** At most this many at once: the oldest go first. */
const MAX_TOASTS = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const update = useCallback((id: number, toast: ToastInput) => {
    setToasts((all) => {
      const index = all.findIndex((t) => t.id === id);
      if (index === -1) return [...all, { ...toast, id, version: 0 }].slice(-MAX_TOASTS);
      const next = [...all];
      next[index] = { ...toast, id, version: (all[index]?.version ?? 0) + 1 };
      return next;
    });
  }, []);
  const show = useCallback((toast: ToastInput) => {
    const id = nextId.current++;
    setToasts((all) => [...all, { ...toast, id, version: 0 }].slice(-MAX_TOASTS));
    return id;
  }, []);
  const api = useMemo(() => ({ show, update, dismiss }), [show, update, dismiss]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      {toasts.length > 0 ? (
        <section aria-label="Updates" className="toaster">
          {toasts.map((toast) => (
            <ToastItem key={toast.id} toast={toast} dismiss={dismiss} />
          ))}
        </section>
      ) : null}
    </ToastContext.Provider>
  );
}

const TONE_CLASS: Record<ToastTone, string> = {
  info: "toast-info",
  success: "toast-success",
  error: "toast-error",
};

function ToastItem({ toast, dismiss }: { toast: Toast; dismiss(id: number): void }) {
  const [paused, setPaused] = useState(false);
  const { id, timeoutMs, version } = toast;
  // biome-ignore lint/correctness/useExhaustiveDependencies: an update (version) restarts the timeout.
  useEffect(() => {
    if (!timeoutMs || paused) return;
    const timer = setTimeout(() => dismiss(id), timeoutMs);
    return () => clearTimeout(timer);
  }, [id, dismiss, timeoutMs, paused, version]);
  const onDismiss = () => dismiss(id);
  const announce = toast.announce ?? true;
  const role = announce ? (toast.tone === "error" ? "alert" : "status") : undefined;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hover and focus only pause the timeout; nothing is activated.
    <div
      className={cx("toast", TONE_CLASS[toast.tone])}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <div role={role} className="toast-content">
        <p className="toast-title">{toast.title}</p>
        {toast.body ? <div className="toast-body">{toast.body}</div> : null}
      </div>
      <button type="button" className="btn-ghost btn-sm toast-close" aria-label="Dismiss" onClick={onDismiss}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
