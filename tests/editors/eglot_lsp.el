;;; eglot_lsp.el --- Emacs eglot against `jirad lsp' (run by run.sh)  -*- lexical-binding: t -*-
;; Hover and completion (and the pushed diagnostics) in batch mode; one line per check, exit 1
;; when one fails.
(require 'eglot)
(defvar fails nil)
(defun check (name ok got)
  (princ (format "%s %s  %S\n" (if ok "ok  " "FAIL") name got))
  (unless ok (push name fails)))
(defun wait-for (pred &optional secs)     ; pump process output; timers don't run in batch
  (let ((end (+ (float-time) (or secs 5))))
    (while (and (not (funcall pred)) (< (float-time) end)) (accept-process-output nil 0.05))
    (funcall pred)))
(setq eglot-server-programs `((text-mode . (,(or (getenv "JIRAD_BIN") "jirad") "lsp" "--no-spawn")))
      eglot-confirm-server-initiated-edits nil)
(condition-case err
    (progn
      (find-file (car command-line-args-left))
      (apply #'eglot (eglot--guess-contact))
      (check "managed" (wait-for #'eglot-managed-p) major-mode)
      (goto-char (point-min)) (search-forward "DEMO-1") (backward-char 2)
      (let* ((h (jsonrpc-request (eglot-current-server) :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
             (v (or (plist-get (plist-get h :contents) :value) "")))
        (check "hover" (string-match-p "Refactor audit log" v) (car (split-string v "\n"))))
      (goto-char (point-min)) (search-forward "next: DEM")
      (let* ((capf (eglot-completion-at-point))
             (cands (all-completions (buffer-substring (nth 0 capf) (nth 1 capf)) (nth 2 capf))))
        (check "completion" (member "DEMO-1" cands) (length cands)))
      (check "diagnostics" (wait-for #'flymake-diagnostics 20)
             (mapcar #'flymake-diagnostic-text (flymake-diagnostics))))
  (error (check "no error" nil err)))
(set-buffer-modified-p nil)
(when (eglot-current-server) (eglot-shutdown (eglot-current-server)))
(kill-emacs (if fails 1 0))
