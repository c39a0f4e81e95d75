// kechan: the one executable; everything else is linked from the libraries under src/.
#include "app/app.h"

int main(int argc, char** argv) { return kechan::app::Main(argc, argv); }
