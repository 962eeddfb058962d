"""stylesynth's web app: stylize photos (Magenta, AdaIN) and paint scenes (SPADE) in the browser.

Run ``python app.py`` and open http://127.0.0.1:7860. Options::

    python app.py --style DIR --spade DIR --host 0.0.0.0 --port 7860 --share

The app itself is the ``webapp`` package beside this file (one module per tab and concern).
"""

from webapp.server import main

if __name__ == "__main__":
    main()
