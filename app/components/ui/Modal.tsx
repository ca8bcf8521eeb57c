import { type ReactNode, useEffect, useId, useRef } from "react";
import { cx } from "./cx.js";

/**
 * A modal dialog on the native `<dialog>` element (`showModal()`): the browser traps focus inside it, makes
 * the page behind it inert, and closes it on Escape; it is named by its title and described by its
 * description. Focus goes to the first control inside and returns, on close, to what had it before.
 * Clicking the backdrop closes it too. Its content is rendered only while it is open.
 */
export function Modal({
  open,
  onClose,
  title,
  description,
  className,
  children,
}: {
  open: boolean;
  /** Called when it closes by itself (Escape, the close button, the backdrop). */
  onClose(): void;
  title: ReactNode;
  description?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click is a pointer shortcut; Escape and the close button are the keyboard's.
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      className={cx("modal", className)}
      onClose={() => {
        const target = returnTo.current;
        returnTo.current = null;
        if (target?.isConnected) target.focus();
        onClose();
      }}
      // The dialog element itself is hit only outside its content box: on the backdrop.
      onClick={(event) => {
        if (event.target === event.currentTarget) dialog.current?.close();
      }}
    >
      {open ? (
        <div className="modal-box">
          <h2 id={titleId} className="modal-title">
            {title}
          </h2>
          {description ? (
            <p id={descriptionId} className="muted modal-description">
              {description}
            </p>
          ) : null}
          {children}
          {/* Last in the DOM, so focus starts on the content; shown in the top corner. */}
          <button
            type="button"
            className="btn-ghost modal-close"
            aria-label="Close"
            onClick={() => dialog.current?.close()}
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
      ) : null}
    </dialog>
  );
}
